// The records of a VCF (or BCF) on each of its contigs, one bgzipped part per contig, in the order they come in:
// the parts the pipeline scores side by side. The VCF is read as it streams (bcftools view -t), so it needs no index.
process VCF_SPLIT {
    tag "$meta.id"
    label 'process_single'

    conda "bioconda::bcftools=1.20"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/bcftools:1.20--h8b25389_0' :
        'quay.io/biocontainers/bcftools:1.20--h8b25389_0' }"

    input:
    tuple val(meta), path(vcf)

    output:
    tuple val(meta), path("parts/*.vcf.gz"), emit: parts
    tuple val("${task.process}"), val('bcftools'), eval("bcftools --version | sed '1!d; s/^bcftools //'"), topic: versions, emit: versions_bcftools

    when:
    task.ext.when == null || task.ext.when

    script:
    // parts/<number>.vcf.gz, numbered in the VCF's order of contigs, so that joining them in that order keeps it
    """
    mkdir parts
    bcftools query -f '%CHROM\\n' ${vcf} | uniq | nl -nrz -w6 | while read -r number contig; do
        bcftools view --no-version -t "\$contig" --output-type z --output "parts/\$number.vcf.gz" ${vcf}
    done
    """

    stub:
    """
    mkdir parts
    echo "" | gzip > parts/000001.vcf.gz
    """
}
