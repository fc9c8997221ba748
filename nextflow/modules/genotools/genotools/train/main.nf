process GENOTOOLS_TRAIN {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        (task.accelerator ? 'docker://ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0') :
        (task.accelerator ? 'ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0') }"

    input:
    tuple val(meta), path(data)
    path resume

    output:
    tuple val(meta), path("${prefix}.safetensors")           , emit: safetensors
    tuple val(meta), path("${prefix}.checkpoint.safetensors"), emit: checkpoint
    tuple val(meta), path("${prefix}.metrics.json")          , emit: metrics
    tuple val(meta), path("${prefix}.plot.png")              , emit: plot
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools
    tuple val("${task.process}"), val('cuda'), eval('python -c "import torch; print(torch.version.cuda or \'no CUDA available\')"'), topic: versions, emit: versions_cuda

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --arch, --param, --valid-chroms, --test-chroms, --epochs, --batch-size, --lr, --patience,
    // --reverse-complement/--no-reverse-complement, --kmer-fallback/--no-kmer-fallback, --baseline/--no-baseline,
    // --loading, --devices, --precision, --seed (see genotools-train --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def resume_arg = resume ? "--resume ${resume}" : ''
    """
    genotools-train \\
        --data ${data} \\
        ${resume_arg} \\
        --output ${prefix}.safetensors \\
        --checkpoint ${prefix}.checkpoint.safetensors \\
        --metrics ${prefix}.metrics.json \\
        --plot ${prefix}.plot.png \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.safetensors
    touch ${prefix}.checkpoint.safetensors
    touch ${prefix}.metrics.json
    touch ${prefix}.plot.png
    """
}
