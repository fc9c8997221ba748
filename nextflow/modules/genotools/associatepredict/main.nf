process GENOTOOLS_ASSOCIATEPREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(model), path(vcf)
    path phenotypes

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: tsv
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --precision (see genotools-associate predict --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def phenotypes_arg = phenotypes ? "--phenotypes ${phenotypes}" : ''
    """
    genotools-associate predict \\
        --model ${model} \\
        --vcf ${vcf} \\
        ${phenotypes_arg} \\
        --output ${prefix}.tsv \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-associate predict --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-associate predict --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
