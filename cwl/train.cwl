#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Train a sequence model to predict function from DNA sequence
doc: |
  Train a sequence-to-function model (binary and regression tasks together) with chromosome hold-out,
  early stopping on the validation loss and a checkpoint every epoch. Writes the model (safetensors with
  JSON metadata), per-task metrics on the validation and test chromosomes (AUROC and AUPRC, or Pearson and
  Spearman) beside those of a k-mer baseline fitted on the same split, and a learning-curve plot.

  This descriptor runs on the CPU; gpu/train.cwl runs the same on a GPU.

  Example:

      genotools-train --data data.h5 --arch basset --valid-chroms chr8 --test-chroms chr9 --output model.safetensors
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
          var named = [inputs.data];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "train";
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

baseCommand: genotools-train
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).safetensors}
  - {prefix: --checkpoint, valueFrom: $(prefix()).checkpoint.safetensors}
  - {prefix: --metrics, valueFrom: $(prefix()).metrics.json}
  - {prefix: --plot, valueFrom: $(prefix()).plot.png}

inputs:
  data:
    type: File
    format: edam:format_3590
    label: Encoded dataset
    doc: Encoded dataset from genotools-encode (HDF5).
    inputBinding: {prefix: --data}
  arch:
    type:
      type: enum
      symbols: [danq, basset, dilated, cnn]
    label: Architecture
    doc: 'Architecture: basset, danq, dilated, cnn.'
    default: danq
    inputBinding: {prefix: --arch}
  param:
    type:
      type: array
      items: string
      inputBinding: {prefix: --param}
    label: Architecture hyperparameter (KEY=VALUE)
    doc: Architecture hyperparameter as KEY=JSON, repeatable, e.g. --param dropout=0.2.
    default: []
    inputBinding: {}
  valid_chroms:
    type:
      type: array
      items: string
      inputBinding: {prefix: --valid-chroms}
    label: Validation chromosomes
    doc: Chromosomes held out for validation (repeat or comma-separate; 'chr' prefix optional). Datasets without
      coordinates use a seeded random 10% instead.
    default: [chr8]
    inputBinding: {}
  test_chroms:
    type:
      type: array
      items: string
      inputBinding: {prefix: --test-chroms}
    label: Test chromosomes
    doc: Chromosomes held out for the final test (as --valid-chroms).
    default: [chr9]
    inputBinding: {}
  epochs:
    type: int
    label: Epochs
    doc: 'Maximum number of epochs: a bound only, early stopping ends training first.'
    default: 1000
    inputBinding: {prefix: --epochs}
  batch_size:
    type: int?
    label: Batch size
    doc: 'Windows per optimizer step [default: about 50 steps an epoch, between 16 and 64 windows].'
    inputBinding: {prefix: --batch-size}
  lr:
    type: float
    label: Learning rate
    doc: Initial learning rate (AdamW); halved when the validation loss stalls.
    default: 0.001
    inputBinding: {prefix: --lr}
  patience:
    type: int?
    label: Patience
    doc: 'Stop after this many epochs without a better validation loss [default: 15, or on small datasets as many
      as show 30,000 training windows].'
    inputBinding: {prefix: --patience}
  reverse_complement:
    type: boolean
    label: Reverse-complement augmentation
    doc: Augment by reverse-complementing a random half of each batch.
    default: true
    inputBinding:
      valueFrom: '$(self ? "--reverse-complement" : "--no-reverse-complement")'
  kmer_fallback:
    type: boolean
    label: K-mer fallback per task
    doc: 'Also fit the k-mer baseline (see --baseline) and keep it in the model: each task is predicted by the network
      or by the k-mer model, whichever ranks the validation windows better (AUROC, or Pearson''s r; few windows
      often favour k-mers). The metrics JSON lists the tasks that fall back on k-mers.'
    default: true
    inputBinding:
      valueFrom: '$(self ? "--kmer-fallback" : "--no-kmer-fallback")'
  baseline:
    type: boolean
    label: Report the k-mer baseline
    doc: 'Report the classical baseline on the same split, to see whether the network adds anything: L2 logistic
      (binary tasks) or ridge regression on reverse-complement-collapsed 6-mer frequencies, plain and gapped, its
      penalty chosen on the validation chromosomes. A model with the k-mer fallback always reports it; this option
      matters only with --no-kmer-fallback.'
    default: true
    inputBinding:
      valueFrom: '$(self ? "--baseline" : "--no-baseline")'
  loading:
    type:
      type: enum
      symbols: [auto, memory, stream]
    label: How the sequences are read
    doc: 'How the sequences are read: memory (the whole one-hot array loaded first: fastest), stream (read from
      the file as training goes, shuffled over its chunks and within a buffer of them, a buffer read ahead: for
      datasets larger than memory), or auto: memory when the array takes at most a quarter of the memory this process
      may use (a Slurm job''s or container''s cap included).'
    default: auto
    inputBinding: {prefix: --loading}
  devices:
    type: int
    label: Devices (processes) to train on
    doc: 'Train on this many devices of this machine with DistributedDataParallel: GPUs with --device cuda, or processes
      sharing the CPU threads otherwise. --batch-size is divided among them, so that they learn as one. Over several
      machines, start genotools-train with torchrun instead.'
    default: 1
    inputBinding: {prefix: --devices}
  resume:
    type: File?
    format: edam:format_2333
    label: Resume from checkpoint
    doc: Resume from this checkpoint (written every epoch) with the same options and data.
    inputBinding: {prefix: --resume}
  precision:
    type:
      type: enum
      symbols: [fp32, bf16, fp16]
    label: Precision
    doc: 'Numeric precision: fp32, or mixed precision bf16 or fp16 (on GPUs; bf16 also runs on CPUs).'
    default: fp32
    inputBinding: {prefix: --precision}
  seed:
    type: int
    label: Seed
    doc: Seed for every random generator.
    default: 0
    inputBinding: {prefix: --seed}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>.safetensors, <prefix>.checkpoint.safetensors, <prefix>.metrics.json, <prefix>.plot.png
      [default: the name of data, less its extensions (sample.h5 gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_2333
    label: Trained model
    doc: Model file to write (.safetensors).
    outputBinding: {glob: $(prefix()).safetensors}
  checkpoint:
    type: File
    format: edam:format_2333
    label: Last checkpoint
    doc: Checkpoint to write every epoch.
    outputBinding: {glob: $(prefix()).checkpoint.safetensors}
  metrics:
    type: File
    format: edam:format_3464
    label: Metrics
    doc: Metrics JSON to write, network beside baseline.
    outputBinding: {glob: $(prefix()).metrics.json}
  plot:
    type: File
    format: edam:format_3603
    label: Learning curves
    doc: Learning-curve PNG to write.
    outputBinding: {glob: $(prefix()).plot.png}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0085
s:citation:
  - https://doi.org/10.1093/nar/gkw226
  - https://doi.org/10.1101/gr.200535.115
  - https://doi.org/10.1101/gr.227819.117
