process GENOTOOLS_DRUGRESPONSEPREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        (task.accelerator ? 'docker://ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0') :
        (task.accelerator ? 'ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0') }"

    input:
    tuple val(meta), path(model), path(omics), path(drugs)
    path pairs

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: tsv
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools
    tuple val("${task.process}"), val('cuda'), eval('python -c "import torch; print(torch.version.cuda or \'no CUDA available\')"'), topic: versions, emit: versions_cuda

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --orientation, --batch-size, --precision (see genotools-drug-response predict --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def omics_arg = [omics].flatten().collect { f -> "--omics ${f}" }.join(' ')
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
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.tsv
    """
}
