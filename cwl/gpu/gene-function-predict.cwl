#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Predict gene function as GO terms, with a trained model (GPU)
doc: |
  Predict the GO terms of genes with a model from genotools-gene-function train. Give the kinds of files the
  model was trained on (--expression, --sequences and, for a gnn, --network): the model keeps the samples and
  k-mer scales that rebuild the same features from them, and a gnn runs over the network given here. Scores
  are consistent with the ontology (a term scores at least as high as each of its descendants), so the terms
  written for a gene include their ancestors; the aspect's root, which every gene has, is left out.

  Example:

      genotools-gene-function predict --model model.safetensors --expression expression.tsv --sequences proteins.fa --network network.tsv --output predictions.tsv
intent:
  - edam:operation_1777

requirements:
  cwltool:CUDARequirement: {cudaVersionMin: '12.6', cudaComputeCapability: '7.5', cudaDeviceCountMin: 1}

hints:
  DockerRequirement:
    dockerPull: quay.io/genotools/genotools:0.1.0-cuda
  SoftwareRequirement:
    packages:
      genotools:
        version: [0.1.0]
  ResourceRequirement: {coresMin: 2, ramMin: 8192}

baseCommand: [genotools-gene-function, predict]
arguments:
  - {prefix: --device, valueFrom: cuda}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: output.tsv}

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
    secondaryFiles:
      - {pattern: .fai, required: false}
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

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Predicted terms
    doc: Predicted terms to write (TSV).
    outputBinding: {glob: output.tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/
  cwltool: http://commonwl.org/cwltool#

s:keywords:
  - edam:topic_3474
  - edam:topic_0085
s:citation:
  - https://doi.org/10.1038/nmeth.2340
  - https://doi.org/10.1186/s13059-016-1037-6
