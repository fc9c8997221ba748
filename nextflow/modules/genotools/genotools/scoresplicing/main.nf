process GENOTOOLS_SCORESPLICING {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        (task.accelerator ? 'docker://ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0') :
        (task.accelerator ? 'ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0') }"

    input:
    tuple val(meta), path(model), path(vcf), path(genes)
    tuple val(meta2), path(reference)
    tuple val(meta3), path(fai)

    output:
    tuple val(meta), path("${prefix}.vcf.gz")      , emit: vcf
    tuple val(meta), path("${prefix}.tsv")         , emit: tsv
    tuple val(meta), path("${prefix}.summary.json"), emit: summary
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools
    tuple val("${task.process}"), val('cuda'), eval('python -c "import torch; print(torch.version.cuda or \'no CUDA available\')"'), topic: versions, emit: versions_cuda

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --distance, --mask/--no-mask, --ref-mismatch, --batch-size (see genotools-score-splicing
    // --help)
    // fai: staged beside the reference, so the tool reads it rather than building one
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    genotools-score-splicing \\
        --model ${model} \\
        --reference ${reference} \\
        --vcf ${vcf} \\
        --genes ${genes} \\
        --output ${prefix}.vcf.gz \\
        --tsv ${prefix}.tsv \\
        --summary ${prefix}.summary.json \\
        --output-type z \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    echo "" | gzip > ${prefix}.vcf.gz
    touch ${prefix}.tsv
    touch ${prefix}.summary.json
    """
}
