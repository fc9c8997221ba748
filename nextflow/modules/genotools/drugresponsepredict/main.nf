process GENOTOOLS_DRUGRESPONSEPREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(model), path(omics), path(drugs)
    path pairs

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: tsv
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --orientation, --batch-size, --precision (see genotools-drug-response predict --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def omics_arg = omics.collect { f -> "--omics ${f}" }.join(' ')
    def pairs_arg = pairs ? "--pairs ${pairs}" : ''
    """
    genotools-drug-response predict \\
        --model ${model} \\
        ${omics_arg} \\
        --drugs ${drugs} \\
        ${pairs_arg} \\
        --output ${prefix}.tsv \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-drug-response predict --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-drug-response predict --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
