process GENOTOOLS_DRUGRESPONSETRAIN {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        (task.accelerator ? 'docker://ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0') :
        (task.accelerator ? 'ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0') }"

    input:
    tuple val(meta), path(response), path(omics), path(drugs)
    path feature_list
    path resume

    output:
    tuple val(meta), path("${prefix}.safetensors")           , emit: safetensors
    tuple val(meta), path("${prefix}.checkpoint.safetensors"), emit: checkpoint
    tuple val(meta), path("${prefix}.metrics.json")          , emit: metrics
    tuple val(meta), path("${prefix}.fold_table.tsv")        , emit: fold_table
    tuple val(meta), path("${prefix}.predictions.tsv")       , emit: predictions
    tuple val(meta), path("${prefix}.plot.png")              , emit: plot
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools
    tuple val("${task.process}"), val('cuda'), eval('python -c "import torch; print(torch.version.cuda or \'no CUDA available\')"'), topic: versions, emit: versions_cuda

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --split, --folds, --features, --log/--no-log, --orientation, --cell-column, --drug-column,
    // --value-column, --duplicates, --drug-encoder, --ensemble, --epochs, --batch-size, --lr, --patience,
    // --precision, --seed (see genotools-drug-response train --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def omics_arg = [omics].flatten().collect { f -> "--omics ${f}" }.join(' ')
    def feature_list_arg = feature_list ? "--feature-list ${feature_list}" : ''
    def resume_arg = resume ? "--resume ${resume}" : ''
    """
    genotools-drug-response train \\
        --response ${response} \\
        ${omics_arg} \\
        --drugs ${drugs} \\
        ${feature_list_arg} \\
        ${resume_arg} \\
        --output ${prefix}.safetensors \\
        --checkpoint ${prefix}.checkpoint.safetensors \\
        --metrics ${prefix}.metrics.json \\
        --fold-table ${prefix}.fold_table.tsv \\
        --predictions ${prefix}.predictions.tsv \\
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
    touch ${prefix}.fold_table.tsv
    touch ${prefix}.predictions.tsv
    touch ${prefix}.plot.png
    """
}
