process GENOTOOLS_TRAIN {
    tag "$meta.id"
    label 'process_medium'
    label 'process_gpu'

    conda "${moduleDir}/environment.yml"
    container "${ task.accelerator ?
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0-cuda' : 'quay.io/genotools/genotools:0.1.0-cuda') :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://quay.io/genotools/genotools:0.1.0' : 'quay.io/genotools/genotools:0.1.0') }"

    input:
    tuple val(meta), path(data)
    path resume

    output:
    tuple val(meta), path("${prefix}.safetensors")           , emit: safetensors
    tuple val(meta), path("${prefix}.checkpoint.safetensors"), emit: checkpoint
    tuple val(meta), path("${prefix}.metrics.json")          , emit: metrics
    tuple val(meta), path("${prefix}.plot.png")              , emit: plot
    path "versions.yml"                                      , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // task.ext.args takes --arch, --param, --valid-chroms, --test-chroms, --epochs, --batch-size, --lr, --patience,
    // --reverse-complement/--no-reverse-complement, --kmer-fallback/--no-kmer-fallback, --baseline/--no-baseline,
    // --precision, --seed (see genotools-train --help)
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def resume_arg = resume ? "--resume ${resume}" : ''
    """
    genotools-train \\
        --data ${data} \\
        ${resume_arg} \\
        --output ${prefix}.safetensors \\
        --checkpoint ${prefix}.checkpoint.safetensors \\
        --metrics ${prefix}.metrics.json \\
        --plot ${prefix}.plot.png \\
        --device ${task.accelerator ? 'cuda' : 'cpu'} \\
        --threads ${task.cpus} \\
        --quiet \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-train --version | sed 's/^genotools //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.safetensors
    touch ${prefix}.checkpoint.safetensors
    touch ${prefix}.metrics.json
    touch ${prefix}.plot.png

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        genotools: \$(genotools-train --version | sed 's/^genotools //')
    END_VERSIONS
    """
}
