process GENOTOOLS_GENEFUNCTIONPREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(model)
    path expression
    path sequences
    path network
    path genes

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: tsv
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --orientation, --top-k, --threshold, --precision (see genotools-gene-function predict
    // --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def expression_arg = expression ? "--expression ${expression}" : ''
    def sequences_arg = sequences ? "--sequences ${sequences}" : ''
    def network_arg = network ? "--network ${network}" : ''
    def genes_arg = genes ? "--genes ${genes}" : ''
    """
    genotools-gene-function predict \\
        --model ${model} \\
        ${expression_arg} \\
        ${sequences_arg} \\
        ${network_arg} \\
        ${genes_arg} \\
        --output ${prefix}.tsv \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-gene-function predict --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-gene-function predict --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
