process GENOTOOLS_QC {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0' }"

    input:
    val(meta)
    path reference
    path regions
    path vcf
    path matrix
    path batches

    output:
    tuple val(meta), path("${prefix}.html")        , emit: html
    tuple val(meta), path("${prefix}.summary.json"), emit: summary
    tuple val(meta), path("${prefix}_mqc.json")    , emit: multiqc
    path "versions.yml"                            , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --orientation, --batch-column, --fail-on (see genotools-qc --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def reference_arg = reference ? "--reference ${reference}" : ''
    def regions_arg = regions ? "--regions ${regions}" : ''
    def vcf_arg = vcf ? "--vcf ${vcf}" : ''
    def matrix_arg = matrix.collect { f -> "--matrix ${f}" }.join(' ')
    def batches_arg = batches ? "--batches ${batches}" : ''
    """
    genotools-qc \\
        ${reference_arg} \\
        ${regions_arg} \\
        ${vcf_arg} \\
        ${matrix_arg} \\
        ${batches_arg} \\
        --report ${prefix}.html \\
        --summary ${prefix}.summary.json \\
        --multiqc ${prefix}_mqc.json \\
        --device cpu \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-qc --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.html
    touch ${prefix}.summary.json
    touch ${prefix}_mqc.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-qc --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
