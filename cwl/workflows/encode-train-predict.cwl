#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: Encode labelled regions, train a sequence model, predict for new regions
doc: |
  genotools-encode turns labelled BED regions on a reference genome into one-hot tensors, genotools-train
  fits a sequence model on them with chromosome hold-out, and genotools-predict scores other regions of
  the same genome with that model. The outputs are named after the regions (regions.h5, regions.safetensors,
  ...). The steps run the CPU descriptors; for a GPU, point the train and predict steps at ../gpu/train.cwl
  and ../gpu/predict.cwl and run with --enable-ext.

  Example job: encode-train-predict.job.yml

      cwltool encode-train-predict.cwl encode-train-predict.job.yml
      toil-cwl-runner --batchSystem slurm --jobStore ./jobstore encode-train-predict.cwl encode-train-predict.job.yml
intent: [edam:operation_2423]

inputs:
  reference:
    type: File
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'With its .fai index beside it (and the .gzi of a bgzipped FASTA): samtools faidx genome.fa makes them.'
  regions:
    type: File
    format: edam:format_3003
    label: Labelled regions to train on
    doc: BED with a '#chrom start end name task1 ...' header; the columns after name are the labels.
  predict_regions:
    type: File
    format: edam:format_3003
    label: Regions to predict
  param:
    type: string[]
    label: Architecture hyperparameters (KEY=VALUE)
    default: []
  epochs:
    type: int
    label: Maximum number of epochs
    default: 30
  valid_chroms:
    type: string[]
    label: Validation chromosomes
    default: [chr8]
  test_chroms:
    type: string[]
    label: Test chromosomes
    default: [chr9]

steps:
  encode:
    run: ../encode.cwl
    in:
      reference: reference
      regions: regions
    out: [output]
  train:
    run: ../train.cwl
    in:
      data: encode/output
      param: param
      epochs: epochs
      valid_chroms: valid_chroms
      test_chroms: test_chroms
    out: [output, metrics, plot]
  predict:
    run: ../predict.cwl
    in:
      model: train/output
      reference: reference
      regions: predict_regions
    out: [output]

outputs:
  model:
    type: File
    format: edam:format_2333
    label: Trained model
    outputSource: train/output
  metrics:
    type: File
    format: edam:format_3464
    label: Metrics on the validation and test chromosomes
    outputSource: train/metrics
  learning_curves:
    type: File
    format: edam:format_3603
    label: Learning curves
    outputSource: train/plot
  predictions:
    type: File
    format: edam:format_3475
    label: Predictions
    outputSource: predict/output

$namespaces:
  edam: http://edamontology.org/
