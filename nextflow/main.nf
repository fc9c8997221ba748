#!/usr/bin/env nextflow
/*
 * genotools: encode labelled regions of a reference genome, train a sequence model on them, and predict every
 * region with it. One sample per BED file; its name (without extension) becomes meta.id.
 *
 *   nextflow run nextflow/main.nf -profile docker --reference genome.fa --regions 'peaks/*.bed'
 *   nextflow run nextflow/main.nf -profile test          (the bundled test-data, no container)
 */

include { GENOTOOLS_ENCODE  } from './modules/genotools/encode/main'
include { GENOTOOLS_TRAIN   } from './modules/genotools/train/main'
include { GENOTOOLS_PREDICT } from './modules/genotools/predict/main'

workflow {
    if (!params.reference || !params.regions) {
        error "Give --reference (FASTA) and --regions (labelled BED files)"
    }
    def reference = file(params.reference, checkIfExists: true)
    def ch_regions = channel.fromPath(params.regions, checkIfExists: true)
        .map { bed -> [ [ id: bed.baseName ], bed ] }

    // encode: [ meta, reference, regions, fasta, labels ]
    GENOTOOLS_ENCODE ( ch_regions.map { meta, bed -> [ meta, reference, bed, [], [] ] } )

    // train: [ meta, data ], resume
    GENOTOOLS_TRAIN ( GENOTOOLS_ENCODE.out.h5, [] )

    // predict: [ meta, model, data, reference, regions, fasta ]
    GENOTOOLS_PREDICT (
        GENOTOOLS_TRAIN.out.safetensors
            .join(ch_regions)
            .map { meta, model, bed -> [ meta, model, [], reference, bed, [] ] }
    )
}
