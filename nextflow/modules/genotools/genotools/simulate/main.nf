process GENOTOOLS_SIMULATE {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0' :
        'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0' }"

    input:
    val(meta)

    output:
    tuple val(meta), path("${prefix}/genome.fa")           , emit: genome
    tuple val(meta), path("${prefix}/regions.bed")         , emit: regions
    tuple val(meta), path("${prefix}/sequences.fa")        , emit: sequences
    tuple val(meta), path("${prefix}/sequences_labels.tsv"), emit: sequence_labels
    tuple val(meta), path("${prefix}/variants.vcf")        , emit: variants
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --chroms, --chrom-len, --seed (see genotools-simulate --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    genotools-simulate \\
        --output-dir ${prefix} \\
        --device cpu \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}
    touch ${prefix}/genome.fa
    touch ${prefix}/regions.bed
    touch ${prefix}/sequences.fa
    touch ${prefix}/sequences_labels.tsv
    touch ${prefix}/variants.vcf
    """
}
