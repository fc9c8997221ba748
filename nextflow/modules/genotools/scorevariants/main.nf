process GENOTOOLS_SCOREVARIANTS {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(model), path(reference), path(vcf)

    output:
    tuple val(meta), path("${prefix}.vcf.gz")      , emit: vcf
    tuple val(meta), path("${prefix}.tsv")         , emit: tsv
    tuple val(meta), path("${prefix}.summary.json"), emit: summary
    tuple val(meta), path("${prefix}.plot.png")    , emit: plot
    path "versions.yml"                            , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --scores, --tasks, --ref-mismatch, --batch-size,
    // --reverse-complement/--no-reverse-complement, --precision (see genotools-score-variants --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    genotools-score-variants \\
        --model ${model} \\
        --reference ${reference} \\
        --vcf ${vcf} \\
        --output ${prefix}.vcf.gz \\
        --tsv ${prefix}.tsv \\
        --summary ${prefix}.summary.json \\
        --plot ${prefix}.plot.png \\
        --output-type z \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-score-variants --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    echo "" | gzip > ${prefix}.vcf.gz
    touch ${prefix}.tsv
    touch ${prefix}.summary.json
    touch ${prefix}.plot.png

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-score-variants --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
