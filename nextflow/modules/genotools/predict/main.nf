process GENOTOOLS_PREDICT {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(model), path(data), path(reference), path(regions), path(fasta)

    output:
    tuple val(meta), path("${prefix}.tsv"), emit: tsv
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --format, --task, --batch-size, --reverse-complement/--no-reverse-complement, --precision
    // (see genotools-predict --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def data_arg = data ? "--data ${data}" : ''
    def reference_arg = reference ? "--reference ${reference}" : ''
    def regions_arg = regions ? "--regions ${regions}" : ''
    def fasta_arg = fasta ? "--fasta ${fasta}" : ''
    """
    genotools-predict \\
        --model ${model} \\
        ${data_arg} \\
        ${reference_arg} \\
        ${regions_arg} \\
        ${fasta_arg} \\
        --output ${prefix}.tsv \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-predict --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-predict --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
