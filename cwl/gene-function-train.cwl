#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Train a gene-function model predicting GO terms from expression, sequences and a network
doc: |
  Train a gene-function model: a network that predicts the GO terms of genes from their expression and/or
  protein sequences, and, for a gnn, their interaction network. Annotations are propagated up the ontology;
  obsolete and unknown terms, and genes that the files name differently, are reported. The model is evaluated
  on held-out genes (random or time split) with the CAFA metrics (Fmax, Smin, term-centric AUPR) beside the
  naive, network-neighbour and random-walk baselines, then trained on every annotated gene and saved with what
  predict needs to rebuild the features from the same kinds of files. A checkpoint written every epoch lets
  --resume finish a killed run as it would have ended.

  This descriptor runs on the CPU; gpu/gene-function-train.cwl runs the same on a GPU.

  Example:

      genotools-gene-function train --annotations annotations.gaf --ontology go.obo --expression expression.tsv --sequences proteins.fa --network network.tsv --evidence-drop IEA --output model.safetensors
intent:
  - edam:operation_1777

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.annotations];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "gene-function-train";
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

baseCommand: [genotools-gene-function, train]
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).safetensors}
  - {prefix: --checkpoint, valueFrom: $(prefix()).checkpoint.safetensors}
  - {prefix: --metrics, valueFrom: $(prefix()).metrics.json}
  - {prefix: --plot, valueFrom: $(prefix()).plot.png}
  - {prefix: --test-predictions, valueFrom: $(prefix()).test_predictions.tsv}

inputs:
  annotations:
    type: File
    format: edam:format_3475
    label: GO annotations (GAF or gene-term table)
    doc: 'Genes'' GO annotations: a GAF file (plain or gzipped) or a two-column table of gene and GO id, told apart
      by their first line.'
    inputBinding: {prefix: --annotations}
  ontology:
    type: File
    format: edam:format_2549
    label: Gene Ontology (OBO)
    doc: The Gene Ontology, OBO (e.g. go-basic.obo).
    inputBinding: {prefix: --ontology}
  expression:
    type: File?
    format: edam:format_3475
    label: Expression matrix
    doc: Expression matrix of genes and samples (TSV or CSV); each gene's profile is standardised across the samples.
    inputBinding: {prefix: --expression}
  sequences:
    type: File?
    format: edam:format_1929
    label: Protein sequences
    doc: Protein (or DNA) sequences named by gene, FASTA; a gene's longest sequence is described by its k-mer composition.
    inputBinding: {prefix: --sequences}
  network:
    type: File?
    format: edam:format_3475
    label: Interaction network
    doc: 'Gene interaction network: gene_a, gene_b and an optional weight a line (TSV, CSV or whitespace, as STRING''s
      files).'
    inputBinding: {prefix: --network}
  aspect:
    type:
      type: enum
      symbols: [BP, MF, CC]
    label: GO aspect
    doc: 'GO aspect to learn: BP (process), MF (function) or CC (component).'
    default: BP
    inputBinding: {prefix: --aspect}
  evidence_drop:
    type:
      type: array
      items: string
      inputBinding: {prefix: --evidence-drop}
    label: Evidence code to leave out
    doc: GAF evidence codes to leave out, repeatable or comma-separated (e.g. IEA, the electronic annotations).
    default: []
    inputBinding: {}
  min_genes_per_term:
    type: int
    label: Least training genes of a term learned
    doc: Terms annotating fewer training genes are not learned (the model scores them 0).
    default: 1
    inputBinding: {prefix: --min-genes-per-term}
  log:
    type: boolean
    label: Log-transform the expression values
    doc: log2(x + 1) the expression values (counts or TPM) first.
    default: false
    inputBinding: {prefix: --log}
  orientation:
    type:
      type: enum
      symbols: [auto, rows, columns]
    label: Genes of the expression matrix are
    doc: Whether the genes of --expression are its rows or its columns; auto takes the side whose names match more
      of the annotated genes (at training) or fewer of the model's samples (at prediction).
    default: auto
    inputBinding: {prefix: --orientation}
  model:
    type:
      type: enum
      symbols: [auto, mlp, gnn]
    label: Model
    doc: 'Network: mlp (over each gene''s features) or gnn (also over its neighbours'' features in --network, and
      the known terms of the genes a random walk over it reaches); auto: gnn with a network, else mlp.'
    default: auto
    inputBinding: {prefix: --model}
  split:
    type:
      type: enum
      symbols: [random, time]
    label: Evaluation split
    doc: 'Evaluation: random (hold out --test-fraction of the annotated genes) or time (as in CAFA: genes first
      annotated in --newer-annotations).'
    default: random
    inputBinding: {prefix: --split}
  newer_annotations:
    type: File?
    format: edam:format_3475
    label: Later release of the annotations
    doc: A later release of the annotations, for --split time.
    inputBinding: {prefix: --newer-annotations}
  test_fraction:
    type: float
    label: Fraction of genes held out
    doc: Fraction of the annotated genes held out by a random split.
    default: 0.2
    inputBinding: {prefix: --test-fraction}
  epochs:
    type: int
    label: Epochs
    doc: Maximum epochs per training run.
    default: 500
    inputBinding: {prefix: --epochs}
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
    default: 30
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
    doc: 'Outputs: <prefix>.safetensors, <prefix>.checkpoint.safetensors, <prefix>.metrics.json, <prefix>.plot.png,
      <prefix>.test_predictions.tsv [default: the name of annotations, less its extensions (sample.tsv gives sample)].'

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
    label: Held-out metrics
    doc: Metrics on the held-out genes, model beside baselines, JSON.
    outputBinding: {glob: $(prefix()).metrics.json}
  plot:
    type: File
    format: edam:format_3603
    label: Precision-recall curves
    doc: Precision-recall curves on the held-out genes, PNG.
    outputBinding: {glob: $(prefix()).plot.png}
  test_predictions:
    type: File
    format: edam:format_3475
    label: Held-out predictions
    doc: The held-out genes' scores (at least 0.01) and true terms, TSV.
    outputBinding: {glob: $(prefix()).test_predictions.tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0085
s:citation:
  - https://doi.org/10.1038/nmeth.2340
  - https://doi.org/10.1186/s13059-016-1037-6
  - https://doi.org/10.1186/gb-2008-9-s1-s4
