#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Predict gene function as GO terms, with a trained model
doc: |
  Predict the GO terms of genes with a model from genotools-gene-function train. Give the kinds of files the
  model was trained on (--expression, --sequences and, for a gnn, --network): the model keeps the samples and
  k-mer scales that rebuild the same features from them, and a gnn runs over the network given here. Scores
  are consistent with the ontology (a term scores at least as high as each of its descendants), so the terms
  written for a gene include their ancestors; the aspect's root, which every gene has, is left out.

  This descriptor runs on the CPU; gpu/gene-function-predict.cwl runs the same on a GPU.

  Example:

      genotools-gene-function predict --model model.safetensors --expression expression.tsv --sequences proteins.fa --network network.tsv --output predictions.tsv
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
          var named = [inputs.expression, inputs.sequences, inputs.network, inputs.genes, inputs.model];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "gene-function-predict";
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

baseCommand: [genotools-gene-function, predict]
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
    doc: Model from genotools-gene-function train (.safetensors).
    inputBinding: {prefix: --model}
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
  genes:
    type: File?
    format: edam:format_2330
    label: Genes to predict
    doc: 'Genes to predict, one a line [default: every gene with expression or a sequence].'
    inputBinding: {prefix: --genes}
  orientation:
    type:
      type: enum
      symbols: [auto, rows, columns]
    label: Genes of the expression matrix are
    doc: Whether the genes of --expression are its rows or its columns; auto takes the side whose names match more
      of the annotated genes (at training) or fewer of the model's samples (at prediction).
    default: auto
    inputBinding: {prefix: --orientation}
  top_k:
    type: int
    label: Best terms per gene
    doc: 'Best terms per gene to write; 0: every term scoring at least --threshold.'
    default: 10
    inputBinding: {prefix: --top-k}
  threshold:
    type: float
    label: Least score
    doc: Least score of a term written.
    default: 0.0
    inputBinding: {prefix: --threshold}
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
    doc: 'Outputs: <prefix>.tsv [default: the name of the first given of expression or sequences or network or genes
      or model, less its extensions (sample.tsv gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Predicted terms
    doc: Predicted terms to write (TSV).
    outputBinding: {glob: $(prefix()).tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0085
s:citation:
  - https://doi.org/10.1038/nmeth.2340
  - https://doi.org/10.1186/s13059-016-1037-6
