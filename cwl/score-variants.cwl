#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Score variants with a sequence model effect of each variant on predicted function
doc: |
  Score how every variant changes a sequence model's predictions: each ALT allele of each record (SNVs, MNVs,
  insertions and deletions) is scored on a window of the model's length around it, and the scores are added to
  the VCF as INFO fields (one value per ALT, Number=A) with a status per allele. Every input record and
  header line is kept; symbolic, '*' and missing ALTs, unknown contigs and REF mismatches are passed through
  with their reason. Contig names are matched with or without 'chr' (and chrM/MT).

  This descriptor runs on the CPU; gpu/score-variants.cwl runs the same on a GPU.

  Example:

      genotools-score-variants --model model.safetensors --reference genome.fa --vcf variants.vcf.gz --output scored.vcf.gz --tsv scores.tsv
intent:
  - edam:operation_3225

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.vcf];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "score-variants";
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

baseCommand: genotools-score-variants
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output-type, valueFrom: z}
  - {prefix: --output, valueFrom: $(prefix()).vcf.gz}
  - {prefix: --tsv, valueFrom: $(prefix()).tsv}
  - {prefix: --summary, valueFrom: $(prefix()).summary.json}
  - {prefix: --plot, valueFrom: $(prefix()).plot.png}

inputs:
  model:
    type: File
    format: edam:format_2333
    label: Trained model
    doc: Model from genotools-train (.safetensors).
    inputBinding: {prefix: --model}
  reference:
    type: File
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'Reference genome FASTA (plain or bgzipped). Its .fai index must lie beside it (and the .gzi of a bgzipped
      FASTA), as a container mounts it read-only: samtools faidx genome.fa makes them.'
    inputBinding: {prefix: --reference}
  vcf:
    type: File
    format:
      - edam:format_3016
      - edam:format_3020
    secondaryFiles:
      - {pattern: .tbi, required: false}
      - {pattern: .csi, required: false}
    label: Variants
    doc: 'Variants: VCF or BCF, plain or bgzipped; ''-'' reads standard input.'
    inputBinding: {prefix: --vcf}
  scores:
    type: string
    label: Scores to write
    doc: 'Comma-separated scores to write: ref, alt, diff, absdiff, logfc.'
    default: ref,alt,diff,absdiff,logfc
    inputBinding: {prefix: --scores}
  tasks:
    type: string?
    label: Tasks to write
    doc: 'Comma-separated tasks to write [default: all].'
    inputBinding: {prefix: --tasks}
  ref_mismatch:
    type:
      type: enum
      symbols: [skip, score, error]
    label: When REF differs from the reference
    doc: 'When REF differs from the reference: skip (status ref_mismatch), score (with the VCF''s REF) or error.'
    default: skip
    inputBinding: {prefix: --ref-mismatch}
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
    doc: 'Outputs: <prefix>.vcf.gz, <prefix>.tsv, <prefix>.summary.json, <prefix>.plot.png [default: the name of
      vcf, less its extensions (sample.vcf.gz gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3016
    secondaryFiles:
      - {pattern: .tbi, required: false}
    label: Scored variants
    doc: 'Scored variants: .vcf, .vcf.gz or .bcf (indexed when bgzipped or BCF); ''-'' writes VCF to standard output.'
    outputBinding: {glob: $(prefix()).vcf.gz}
  tsv:
    type: File
    format: edam:format_3475
    label: Scores table
    doc: 'Also write a table: one row per ALT allele.'
    outputBinding: {glob: $(prefix()).tsv}
  summary:
    type: File
    format: edam:format_3464
    label: Summary
    doc: Counts per outcome as JSON.
    outputBinding: {glob: $(prefix()).summary.json}
  plot:
    type: File
    format: edam:format_3603
    label: Scores along the genome
    doc: PNG of the scores along the genome (DIFF, or the first of --scores), Manhattan-style.
    outputBinding: {glob: $(prefix()).plot.png}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0199
s:citation:
  - https://doi.org/10.1038/nmeth.3547
