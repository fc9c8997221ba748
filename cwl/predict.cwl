#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Predict with a sequence model for regions, sequences or an encoded dataset
doc: |
  Predict every task of a trained model (probabilities for binary tasks, values in the training units for
  regression tasks) from an encoded dataset, from BED regions on a reference, or from FASTA sequences.

  Predict for, one of:
  - An encoded dataset: data
  - Regions on a reference genome: reference, regions
  - FASTA sequences: fasta

  This descriptor runs on the CPU; gpu/predict.cwl runs the same on a GPU.

  Example:

      genotools-predict --model model.safetensors --reference genome.fa --regions peaks.bed --output predictions.tsv
intent:
  - edam:operation_2423

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.data, inputs.regions, inputs.fasta, inputs.model];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "predict";
        }

hints:
  DockerRequirement:
    dockerPull: quay.io/biocontainers/genotools-dl:0.1.0--pyhdfd78af_0
  SoftwareRequirement:
    packages:
      genotools-dl:
        version: [0.1.0]
        specs:
          - https://anaconda.org/bioconda/genotools-dl
          - https://pypi.org/project/genotools-dl/
  ResourceRequirement: {coresMin: 2, ramMin: 8192}

baseCommand: genotools-predict
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).tsv}

inputs:
  model:
    type: File
    format: edam:format_2333
    label: Trained model
    doc: Model from genotools-train (.safetensors).
    inputBinding: {prefix: --model}
  data:
    type: File?
    format: edam:format_3590
    label: Encoded dataset
    doc: Encoded dataset from genotools-encode (HDF5).
    inputBinding: {prefix: --data}
  reference:
    type: File?
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'Reference genome FASTA; windows of the model''s length are centred on each --regions entry. Its .fai index
      must lie beside it (and the .gzi of a bgzipped FASTA), as a container mounts it read-only: samtools faidx
      genome.fa makes them.'
    inputBinding: {prefix: --reference}
  regions:
    type: File?
    format: edam:format_3003
    label: Regions
    doc: BED regions to predict, with --reference.
    inputBinding: {prefix: --regions}
  fasta:
    type: File?
    format: edam:format_1929
    label: Sequences
    doc: Sequences to predict (FASTA); each is cut or N-padded around its centre to the model's length.
    inputBinding: {prefix: --fasta}
  output_format:
    type:
      type: enum
      symbols: [tsv, bedgraph]
    label: Output format
    doc: tsv (name, coordinates when known, one column per task) or bedgraph (one task, needs coordinates).
    default: tsv
    inputBinding: {prefix: --format}
  task:
    type: string?
    label: Task
    doc: The task to write as bedGraph (models with several).
    inputBinding: {prefix: --task}
  batch_size:
    type: int
    label: Batch size
    doc: Sequences per forward pass.
    default: 256
    inputBinding: {prefix: --batch-size}
  reverse_complement:
    type: boolean
    label: Average with the reverse complement
    doc: Average the predictions for each sequence and its reverse complement.
    default: true
    inputBinding:
      valueFrom: '$(self ? "--reverse-complement" : "--no-reverse-complement")'
  precision:
    type:
      type: enum
      symbols: [fp32, bf16, fp16]
    label: Precision
    doc: 'Numeric precision: fp32, or mixed precision bf16 or fp16 (on GPUs; bf16 also runs on CPUs).'
    default: fp32
    inputBinding: {prefix: --precision}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>.tsv [default: the name of the first given of data or regions or fasta or model, less
      its extensions (sample.h5 gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Predictions
    doc: Predictions to write (TSV or bedGraph).
    outputBinding: {glob: $(prefix()).tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0085
s:citation:
  - https://doi.org/10.1093/nar/gkw226
