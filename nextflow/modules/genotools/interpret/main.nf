process GENOTOOLS_INTERPRET {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(model), path(fasta), path(reference), path(regions), path(vcf)
    path known_motifs

    output:
    tuple val(meta), path("${prefix}.tsv")                      , emit: tsv
    tuple val(meta), path("${prefix}.bedgraph")                 , emit: bedgraph
    tuple val(meta), path("${prefix}.logos")                    , emit: logos
    tuple val(meta), path("${prefix}.filter_motifs/motifs.meme"), emit: filter_motifs_meme
    tuple val(meta), path("${prefix}.filter_motifs/matches.tsv"), emit: filter_matches
    tuple val(meta), path("${prefix}.filter_logos")             , emit: filter_logos
    path "versions.yml"                                         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --task, --method, --steps, --max-logos, --batch-size,
    // --reverse-complement/--no-reverse-complement, --precision (see genotools-interpret --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def fasta_arg = fasta ? "--fasta ${fasta}" : ''
    def reference_arg = reference ? "--reference ${reference}" : ''
    def regions_arg = regions ? "--regions ${regions}" : ''
    def vcf_arg = vcf ? "--vcf ${vcf}" : ''
    def known_motifs_arg = known_motifs ? "--known-motifs ${known_motifs}" : ''
    """
    genotools-interpret \\
        --model ${model} \\
        ${fasta_arg} \\
        ${reference_arg} \\
        ${regions_arg} \\
        ${vcf_arg} \\
        ${known_motifs_arg} \\
        --output ${prefix}.tsv \\
        --bedgraph ${prefix}.bedgraph \\
        --logos ${prefix}.logos \\
        --filter-motifs ${prefix}.filter_motifs \\
        --filter-logos ${prefix}.filter_logos \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-interpret --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    mkdir -p ${prefix}.logos
    mkdir -p ${prefix}.filter_motifs
    mkdir -p ${prefix}.filter_logos
    touch ${prefix}.tsv
    touch ${prefix}.bedgraph
    touch ${prefix}.filter_motifs/motifs.meme
    touch ${prefix}.filter_motifs/matches.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-interpret --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
