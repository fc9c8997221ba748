#!/usr/bin/env nextflow
/*
 * genotools: check each sample's inputs against the reference (QC, summarised by MultiQC), encode its labelled
 * regions, train a sequence model on them, predict every region with it, and score the sample's variants with it,
 * a contig at a time in parallel, into one indexed VCF.
 *
 * The samplesheet (--input, CSV; assets/schema_input.json, validated by nf-schema) has one row per sample:
 *   sample,regions,vcf            regions: a labelled BED file; vcf (optional): variants, VCF or BCF
 *
 *   nextflow run nextflow/main.nf -profile docker --input samplesheet.csv --fasta genome.fa --outdir results
 *   nextflow run nextflow/main.nf -profile test,docker     (the bundled test-data; run from the repository root)
 */

include { samplesheetToList; validateParameters; paramsSummaryLog } from 'plugin/nf-schema'

include { GENOTOOLS_QC            } from './modules/genotools/genotools/qc/main'
include { GENOTOOLS_ENCODE        } from './modules/genotools/genotools/encode/main'
include { GENOTOOLS_TRAIN         } from './modules/genotools/genotools/train/main'
include { GENOTOOLS_PREDICT       } from './modules/genotools/genotools/predict/main'
include { GENOTOOLS_SCOREVARIANTS } from './modules/genotools/genotools/scorevariants/main'
include { MULTIQC                 } from './modules/nf-core/multiqc/main'
include { VCF_SPLIT               } from './modules/local/vcfsplit/main'
include { VCF_CONCAT              } from './modules/local/vcfconcat/main'

workflow {

    main:
    validateParameters()
    log.info paramsSummaryLog(workflow)

    // [ meta, regions, vcf ]: vcf is [] where the samplesheet leaves it empty
    def ch_samples = channel.fromList(samplesheetToList(params.input, "${projectDir}/assets/schema_input.json"))
    def fasta = file(params.fasta, checkIfExists: true)
    def ch_fasta = channel.value([ [ id: fasta.baseName ], fasta ])
    def ch_fai = channel.value(params.fai ? [ [ id: fasta.baseName ], file(params.fai, checkIfExists: true) ] : [ [], [] ])

    // qc: [ meta, regions, vcf, matrix, batches ], reference, fai
    GENOTOOLS_QC (
        ch_samples.map { meta, regions, vcf -> [ meta, regions, vcf, [], [] ] },
        ch_fasta,
        ch_fai
    )

    // encode: [ meta, regions, peaks, exclude, fasta, labels ], reference, fai
    GENOTOOLS_ENCODE (
        ch_samples.map { meta, regions, _vcf -> [ meta, regions, [], [], [], [] ] },
        ch_fasta,
        ch_fai
    )

    // train: [ meta, data ], resume
    GENOTOOLS_TRAIN (
        GENOTOOLS_ENCODE.out.h5,
        []
    )

    // predict: [ meta, model, data, regions, fasta ], reference, fai
    GENOTOOLS_PREDICT (
        GENOTOOLS_TRAIN.out.safetensors
            .join(ch_samples)
            .map { meta, model, regions, _vcf -> [ meta, model, [], regions, [] ] },
        ch_fasta,
        ch_fai
    )

    // score-variants, a contig at a time: each sample's VCF split into one part per contig (VCF_SPLIT), the parts
    // scored side by side with the sample's model ([ meta, model, vcf ], reference, fai), and joined in order into
    // one bgzipped, indexed VCF and one TSV (VCF_CONCAT): the records one run over the whole VCF writes
    def ch_vcfs = ch_samples
        .filter { _meta, _regions, vcf -> vcf }
        .map { meta, _regions, vcf -> [ meta, vcf ] }
    VCF_SPLIT (
        ch_vcfs
    )
    def ch_models = GENOTOOLS_TRAIN.out.safetensors.map { meta, model -> [ meta.id, model ] }
    GENOTOOLS_SCOREVARIANTS (
        VCF_SPLIT.out.parts
            .flatMap { meta, parts -> [ parts ].flatten().collect { part -> [ meta.id, meta + [ id: "${meta.id}.${part.simpleName}", sample: meta.id, parts: [ parts ].flatten().size() ], part ] } }
            .combine(ch_models, by: 0)
            .map { _sample, meta, part, model -> [ meta, model, part ] },
        ch_fasta,
        ch_fai
    )
    VCF_CONCAT (
        GENOTOOLS_SCOREVARIANTS.out.vcf
            .join(GENOTOOLS_SCOREVARIANTS.out.tsv)
            .map { meta, vcf, tsv -> [ groupKey(meta.sample, meta.parts), meta.id, vcf, tsv ] }
            .groupTuple()
            .map { sample, ids, vcfs, tsvs ->
                def order = (0..<ids.size()).sort { i -> ids[i] }  // the parts' order: their zero-padded numbers
                [ [ id: sample.toString() ], order.collect { i -> vcfs[i] }, order.collect { i -> tsvs[i] } ] }
    )

    // Software versions: every module reports to the `versions` topic; one YAML for MultiQC, grouped by process
    def ch_versions_yml = channel.topic('versions')
        .map { process, tool, version -> [ process.tokenize(':')[-1], "    ${tool}: ${version}" ] }
        .unique()
        .groupTuple()
        .map { process, tools -> "${process}:\n${tools.sort().join('\n')}" }
        .collectFile(storeDir: "${params.outdir}/pipeline_info", name: 'genotools_software_mqc_versions.yml',
                     sort: true, newLine: true)

    // MultiQC: the QC metrics of every sample (custom content, *_mqc.json) and the software versions
    def multiqc_config = params.multiqc_config
        ? [ file("${projectDir}/assets/multiqc_config.yml", checkIfExists: true), file(params.multiqc_config, checkIfExists: true) ]
        : file("${projectDir}/assets/multiqc_config.yml", checkIfExists: true)
    MULTIQC (
        GENOTOOLS_QC.out.multiqc
            .map { _meta, json -> json }
            .mix(ch_versions_yml)
            .collect()
            .map { files -> [ [ id: 'genotools' ], files, multiqc_config, [], [], [] ] }
    )
}
