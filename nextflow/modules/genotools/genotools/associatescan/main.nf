process GENOTOOLS_ASSOCIATESCAN {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        (task.accelerator ? 'docker://ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0') :
        (task.accelerator ? 'ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0') }"

    input:
    tuple val(meta), path(vcf), path(phenotypes)
    path resume
    val phenotype

    output:
    tuple val(meta), path("${prefix}/variants.tsv")          , emit: variants
    tuple val(meta), path("${prefix}/qc.tsv")                , emit: qc
    tuple val(meta), path("${prefix}/manhattan.png")         , emit: manhattan
    tuple val(meta), path("${prefix}/qq.png")                , emit: qq
    tuple val(meta), path("${prefix}/risk_scores.tsv")       , emit: risk_scores
    tuple val(meta), path("${prefix}/metrics.json")          , emit: metrics
    tuple val(meta), path("${prefix}/model.safetensors")     , emit: model
    tuple val(meta), path("${prefix}.checkpoint.safetensors"), emit: checkpoint
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools
    tuple val("${task.process}"), val('cuda'), eval('python -c "import torch; print(torch.version.cuda or \'no CUDA available\')"'), topic: versions, emit: versions_cuda

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --covariates, --trait, --genotype-field, --min-sample-call-rate, --min-variant-call-rate,
    // --min-maf, --min-hwe-p, --folds, --epochs, --batch-size, --lr, --sparsity, --patience, --hidden, --clump-r2,
    // --clump-kb, --precision, --seed (see genotools-associate scan --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def resume_arg = resume ? "--resume ${resume}" : ''
    """
    genotools-associate scan \\
        --vcf ${vcf} \\
        --phenotypes ${phenotypes} \\
        ${resume_arg} \\
        --phenotype ${phenotype} \\
        --output-dir ${prefix} \\
        --checkpoint ${prefix}.checkpoint.safetensors \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/variants.tsv
    touch ${prefix}/qc.tsv
    touch ${prefix}/manhattan.png
    touch ${prefix}/qq.png
    touch ${prefix}/risk_scores.tsv
    touch ${prefix}/metrics.json
    touch ${prefix}/model.safetensors
    touch ${prefix}.checkpoint.safetensors
    """
}
