process GENOTOOLS_ASSOCIATESCAN {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

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
    path "versions.yml"                                      , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --covariates, --trait, --genotype-field, --min-sample-call-rate, --min-variant-call-rate,
    // --min-maf, --min-hwe-p, --folds, --epochs, --batch-size, --lr, --sparsity, --patience, --hidden, --precision,
    // --seed (see genotools-associate scan --help)
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

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-associate scan --version | sed 's/^genotools //')
    END_VERSIONS
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

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-associate scan --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
