process GENOTOOLS_INTERPRET {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        (task.accelerator ? 'docker://ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0') :
        (task.accelerator ? 'ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6' : 'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0') }"

    input:
    tuple val(meta), path(model), path(fasta), path(regions), path(vcf)
    tuple val(meta2), path(reference)
    tuple val(meta3), path(fai)
    path known_motifs

    output:
    tuple val(meta), path("${prefix}.tsv")                      , emit: tsv
    tuple val(meta), path("${prefix}.bedgraph")                 , emit: bedgraph
    tuple val(meta), path("${prefix}.logos")                    , emit: logos
    tuple val(meta), path("${prefix}.filter_motifs/motifs.meme"), emit: filter_motifs_meme
    tuple val(meta), path("${prefix}.filter_motifs/matches.tsv"), emit: filter_matches
    tuple val(meta), path("${prefix}.filter_logos")             , emit: filter_logos
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools
    tuple val("${task.process}"), val('cuda'), eval('python -c "import torch; print(torch.version.cuda or \'no CUDA available\')"'), topic: versions, emit: versions_cuda

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --task, --method, --steps, --max-logos, --batch-size,
    // --reverse-complement/--no-reverse-complement, --precision (see genotools-interpret --help)
    // fai: staged beside the reference, so the tool reads it rather than building one
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
    """
}
