#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Predict drug response of cell lines to drugs with a trained model
doc: |
  Predict the response of cell lines to drugs with a model from genotools-drug-response train: the
  omics go through the preprocessing saved in the model. A model trained on a drug-blind split predicts new
  drugs; one trained on a random or cell-blind split, the drugs it was trained on.

  This descriptor runs on the CPU; gpu/drug-response-predict.cwl runs the same on a GPU.

  Example:

      genotools-drug-response predict --model model.safetensors --omics expression.tsv --drugs drugs.tsv --output predictions.tsv
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
          var named = [inputs.omics];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "drug-response-predict";
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

baseCommand: [genotools-drug-response, predict]
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
    doc: Model from genotools-drug-response train (.safetensors).
    inputBinding: {prefix: --model}
  omics:
    type:
      type: array
      items: File
      inputBinding: {prefix: --omics}
    format: edam:format_3475
    label: Omics matrices
    doc: 'The omics matrices of the cell lines to predict: the kinds the model was trained on, in any order.'
    inputBinding: {}
  drugs:
    type: File
    format: edam:format_3475
    label: Drugs and their SMILES
    doc: Drug names and SMILES (TSV or CSV).
    inputBinding: {prefix: --drugs}
  pairs:
    type: File?
    format: edam:format_3475
    label: Cell lines and drugs to predict
    doc: 'Cell line and drug pairs to predict (TSV or CSV) [default: every cell line with every drug].'
    inputBinding: {prefix: --pairs}
  orientation:
    type:
      type: enum
      symbols: [auto, rows, columns]
    label: Cell lines of the omics matrices are
    doc: Whether the cell lines of each --omics matrix are its rows or its columns; auto takes the side whose names
      match more of the cell lines.
    default: auto
    inputBinding: {prefix: --orientation}
  batch_size:
    type: int
    label: Batch size
    doc: Cell lines per forward pass, each with every drug.
    default: 256
    inputBinding: {prefix: --batch-size}
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
    doc: 'Outputs: <prefix>.tsv [default: the name of the first of omics, less its extensions (sample.tsv gives
      sample)].'

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Predicted responses
    doc: Predictions to write (TSV).
    outputBinding: {glob: $(prefix()).tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0208
s:citation:
  - https://doi.org/10.1093/bioinformatics/btaa822
  - https://doi.org/10.1021/ci100050t
