// Scored parts of a VCF joined in their order into one bgzipped VCF with its tabix index, and their TSVs into one
// (the first part's header line, then every part's rows).
process VCF_CONCAT {
    tag "$meta.id"
    label 'process_single'

    conda "bioconda::bcftools=1.20"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/bcftools:1.20--h8b25389_0' :
        'quay.io/biocontainers/bcftools:1.20--h8b25389_0' }"

    input:
    tuple val(meta), path(vcfs), path(tsvs)

    output:
    tuple val(meta), path("${prefix}.vcf.gz"), path("${prefix}.vcf.gz.tbi"), emit: vcf
    tuple val(meta), path("${prefix}.tsv")                                , emit: tsv
    tuple val("${task.process}"), val('bcftools'), eval("bcftools --version | sed '1!d; s/^bcftools //'"), topic: versions, emit: versions_bcftools

    when:
    task.ext.when == null || task.ext.when

    script:
    // vcfs and tsvs come in the parts' order
    prefix = task.ext.prefix ?: "${meta.id}"
    def vcf_list = [vcfs].flatten().join(' ')
    def tsv_list = [tsvs].flatten().join(' ')
    """
    bcftools concat --no-version --output-type z --output ${prefix}.vcf.gz ${vcf_list}
    bcftools index --tbi ${prefix}.vcf.gz
    awk 'FNR > 1 || NR == 1' ${tsv_list} > ${prefix}.tsv
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    echo "" | gzip > ${prefix}.vcf.gz
    touch ${prefix}.vcf.gz.tbi
    touch ${prefix}.tsv
    """
}
