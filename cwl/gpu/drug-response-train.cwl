#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Train a drug-response model on cell lines' omics and drugs' structures (GPU)
doc: |
  Train a drug-response model: an ensemble of networks, each an omics encoder for cell lines and a drug
  encoder (fingerprint, molecular graph or similarity to the training drugs), combined to predict the
  response. K-fold cross-validation (random, cell-blind or drug-blind) reports the model's metrics overall and
  per drug beside baselines on the same folds; then the model is trained on all measurements and saved with
  its preprocessing.

  This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: --enable-ext); a runner that gives
  none runs it on the CPU. ../drug-response-train.cwl is the CPU one.

  Example:

      genotools-drug-response train --response response.tsv --omics expression.tsv --drugs drugs.tsv --split cell-blind --output model.safetensors
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
          var named = [inputs.response];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "drug-response-train";
        }

hints:
  DockerRequirement:
    dockerPull: ghcr.io/genotools/genotools-dl:0.1.0-cuda12.6
  SoftwareRequirement:
    packages:
      genotools-dl:
        version: [0.1.0]
        specs:
          - https://anaconda.org/bioconda/genotools-dl
          - https://pypi.org/project/genotools-dl/
  ResourceRequirement: {coresMin: 2, ramMin: 8192}
  cwltool:CUDARequirement: {cudaVersionMin: '12.6', cudaComputeCapability: '7.5', cudaDeviceCountMin: 1, cudaDeviceCountMax: 1}

baseCommand: [genotools-drug-response, train]
arguments:
  - {prefix: --device, valueFrom: auto}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).safetensors}
  - {prefix: --checkpoint, valueFrom: $(prefix()).checkpoint.safetensors}
  - {prefix: --metrics, valueFrom: $(prefix()).metrics.json}
  - {prefix: --fold-table, valueFrom: $(prefix()).fold_table.tsv}
  - {prefix: --predictions, valueFrom: $(prefix()).predictions.tsv}
  - {prefix: --plot, valueFrom: $(prefix()).plot.png}

inputs:
  response:
    type: File
    format: edam:format_3475
    label: Measured responses
    doc: 'Measured response, one row per cell line and drug (TSV or CSV): cell line, drug and value columns, found
      by name (e.g. cell_line, drug, ln_ic50) unless named with --cell-column, --drug-column, --value-column.'
    inputBinding: {prefix: --response}
  omics:
    type:
      type: array
      items: File
      inputBinding: {prefix: --omics}
    format: edam:format_3475
    label: Omics matrices
    doc: Numeric matrix of cell lines and features (expression, mutations, copy number ...; TSV or CSV), repeatable.
      A cell line must be in every matrix.
    inputBinding: {}
  drugs:
    type: File
    format: edam:format_3475
    label: Drugs and their SMILES
    doc: Drug names and SMILES (TSV or CSV).
    inputBinding: {prefix: --drugs}
  split:
    type:
      type: enum
      symbols: [random, cell-blind, drug-blind]
    label: Cross-validation split
    doc: 'Cross-validation split: random (pairs), cell-blind (new cell lines) or drug-blind (new drugs).'
    default: cell-blind
    inputBinding: {prefix: --split}
  folds:
    type: int
    label: Cross-validation folds
    doc: Cross-validation folds.
    default: 5
    inputBinding: {prefix: --folds}
  features:
    type: int
    label: Most variable features kept per matrix
    doc: Most variable features kept from each omics matrix (variance over training cell lines).
    default: 2000
    inputBinding: {prefix: --features}
  feature_list:
    type: File?
    format: edam:format_2330
    label: Features to choose from
    doc: Keep only these features (one name per line) before choosing the most variable.
    inputBinding: {prefix: --feature-list}
  log:
    type: boolean
    label: Log-transform the omics values
    doc: log2(x + 1) the omics values (raw counts or TPM) before standardising.
    default: false
    inputBinding: {prefix: --log}
  orientation:
    type:
      type: enum
      symbols: [auto, rows, columns]
    label: Cell lines of the omics matrices are
    doc: Whether the cell lines of each --omics matrix are its rows or its columns; auto takes the side whose names
      match more of the cell lines.
    default: auto
    inputBinding: {prefix: --orientation}
  cell_column:
    type: string?
    label: Cell-line column
    doc: Cell-line column of --response.
    inputBinding: {prefix: --cell-column}
  drug_column:
    type: string?
    label: Drug column
    doc: Drug column of --response.
    inputBinding: {prefix: --drug-column}
  value_column:
    type: string?
    label: Response column
    doc: Response value column of --response.
    inputBinding: {prefix: --value-column}
  duplicates:
    type:
      type: enum
      symbols: [mean, median, first, error]
    label: Several measurements of a cell line and drug
    doc: 'Several measurements of one cell line and drug: mean, median, first, or error.'
    default: mean
    inputBinding: {prefix: --duplicates}
  drug_encoder:
    type:
      type: enum
      symbols: [auto, fingerprint, graph, both, similarity]
    label: Drug representation
    doc: 'Drug representation: fingerprint (Morgan bits), graph (a graph neural network over the molecule), both,
      or similarity (Tanimoto similarity to the training drugs); auto: similarity for a drug-blind split, else both.'
    default: auto
    inputBinding: {prefix: --drug-encoder}
  ensemble:
    type: int
    label: Networks per model
    doc: Networks per model, each trained with its own initial weights and early-stopping hold-out; the model predicts
      their mean.
    default: 5
    inputBinding: {prefix: --ensemble}
  epochs:
    type: int
    label: Epochs
    doc: Maximum epochs per training run.
    default: 100
    inputBinding: {prefix: --epochs}
  batch_size:
    type: int
    label: Batch size
    doc: Cell lines per training step, each with all its training measurements.
    default: 128
    inputBinding: {prefix: --batch-size}
  lr:
    type: float
    label: Learning rate
    doc: Learning rate (AdamW).
    default: 0.001
    inputBinding: {prefix: --lr}
  patience:
    type: int
    label: Patience
    doc: Stop a training run after this many epochs without a better validation loss.
    default: 10
    inputBinding: {prefix: --patience}
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
    doc: 'Outputs: <prefix>.safetensors, <prefix>.checkpoint.safetensors, <prefix>.metrics.json, <prefix>.fold_table.tsv,
      <prefix>.predictions.tsv, <prefix>.plot.png [default: the name of response, less its extensions (sample.tsv
      gives sample)].'

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
    label: Cross-validation metrics
    doc: Cross-validation metrics JSON, model beside baselines.
    outputBinding: {glob: $(prefix()).metrics.json}
  fold_table:
    type: File
    format: edam:format_3475
    label: Metrics per fold
    doc: Metrics per fold and method, TSV.
    outputBinding: {glob: $(prefix()).fold_table.tsv}
  predictions:
    type: File
    format: edam:format_3475
    label: Out-of-fold predictions
    doc: Out-of-fold predictions of every measurement, TSV.
    outputBinding: {glob: $(prefix()).predictions.tsv}
  plot:
    type: File
    format: edam:format_3603
    label: Cross-validation plots
    doc: Predicted against observed, and per-drug correlations, PNG.
    outputBinding: {glob: $(prefix()).plot.png}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/
  cwltool: http://commonwl.org/cwltool#

s:keywords:
  - edam:topic_3474
  - edam:topic_0208
s:citation:
  - https://doi.org/10.1093/bioinformatics/btaa822
  - https://doi.org/10.1021/ci100050t
