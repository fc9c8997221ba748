process GENOTOOLS_QC {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/genotools-dl:0.1.0--pyhdfd78af_0' :
        'quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0' }"

    input:
    tuple val(meta), path(regions), path(vcf), path(matrix), path(batches)
    tuple val(meta2), path(reference)
    tuple val(meta3), path(fai)

    output:
    tuple val(meta), path("${prefix}.html")        , emit: html
    tuple val(meta), path("${prefix}.summary.json"), emit: summary
    tuple val(meta), path("${prefix}_mqc.json")    , emit: multiqc
    tuple val("${task.process}"), val('genotools'), eval("genotools --version | sed 's/^genotools //'"), topic: versions, emit: versions_genotools

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --orientation, --batch-column, --fail-on (see genotools-qc --help)
    // fai: staged beside the reference, so the tool reads it rather than building one
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def reference_arg = reference ? "--reference ${reference}" : ''
    def regions_arg = regions ? "--regions ${regions}" : ''
    def vcf_arg = vcf ? "--vcf ${vcf}" : ''
    def matrix_arg = [matrix].flatten().collect { f -> "--matrix ${f}" }.join(' ')
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
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.html
    touch ${prefix}.summary.json
    touch ${prefix}_mqc.json
    """
}
