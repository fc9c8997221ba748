process GENOTOOLS_ENCODE {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0' :
        'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0' }"

    input:
    tuple val(meta), path(regions), path(peaks), path(exclude), path(fasta), path(labels)
    tuple val(meta2), path(reference)
    tuple val(meta3), path(fai)

    output:
    tuple val(meta), path("${prefix}.h5"), emit: h5
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --task-names, --tile, --min-overlap, --overlap-of, --background, --max-n, --seq-len,
    // --kmer, --reverse-complement/--no-reverse-complement (see genotools-encode --help)
    // fai: staged beside the reference, so the tool reads it rather than building one
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def reference_arg = reference ? "--reference ${reference}" : ''
    def regions_arg = regions ? "--regions ${regions}" : ''
    def peaks_arg = [peaks].flatten().collect { f -> "--peaks ${f}" }.join(' ')
    def exclude_arg = exclude ? "--exclude ${exclude}" : ''
    def fasta_arg = fasta ? "--fasta ${fasta}" : ''
    def labels_arg = labels ? "--labels ${labels}" : ''
    """
    genotools-encode \\
        ${reference_arg} \\
        ${regions_arg} \\
        ${peaks_arg} \\
        ${exclude_arg} \\
        ${fasta_arg} \\
        ${labels_arg} \\
        --output ${prefix}.h5 \\
        --device cpu \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.h5
    """
}
