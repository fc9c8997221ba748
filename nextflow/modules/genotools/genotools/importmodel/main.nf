process GENOTOOLS_IMPORTMODEL {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0' :
        'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0' }"

    input:
    tuple val(meta), path(weights)
    val source

    output:
    tuple val(meta), path("${prefix}.safetensors"), emit: safetensors
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args: genotools-import-model has no options beside its inputs (see genotools-import-model --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def weights_arg = [weights].flatten().collect { f -> "--weights ${f}" }.join(' ')
    """
    genotools-import-model \\
        ${weights_arg} \\
        --source ${source} \\
        --output ${prefix}.safetensors \\
        --device cpu \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.safetensors
    """
}
