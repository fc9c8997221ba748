process GENOTOOLS_ENCODE {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0' }"

    input:
    tuple val(meta), path(reference), path(regions), path(fasta), path(labels)

    output:
    tuple val(meta), path("${prefix}.h5"), emit: h5
    path "versions.yml"                  , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --seq-len, --kmer, --reverse-complement/--no-reverse-complement (see genotools-encode
    // --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def reference_arg = reference ? "--reference ${reference}" : ''
    def regions_arg = regions ? "--regions ${regions}" : ''
    def fasta_arg = fasta ? "--fasta ${fasta}" : ''
    def labels_arg = labels ? "--labels ${labels}" : ''
    """
    genotools-encode \\
        ${reference_arg} \\
        ${regions_arg} \\
        ${fasta_arg} \\
        ${labels_arg} \\
        --output ${prefix}.h5 \\
        --device cpu \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-encode --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.h5

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-encode --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
