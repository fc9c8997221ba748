#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Simulate a labelled genome with planted motifs and variants of known effect
doc: |
  Write a synthetic genome (genome.fa + .fai) with planted AP-1, GATA and E-box motifs, 200-bp regions
  labelled by a known motif grammar (regions.bed: ap1_bound, gata_ebox, activity) and variants with their
  true effect on each label (variants.vcf). The same seed gives the same files, byte for byte. It runs on
  one CPU core: --device and --threads are accepted, like every genotools tool takes them, and change nothing.

  Example:

      genotools-simulate --output-dir test-data --seed 1
intent:
  - edam:operation_2426

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
  ResourceRequirement: {coresMin: 1, ramMin: 2048}

baseCommand: genotools-simulate
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output-dir, valueFrom: $(inputs.prefix)}

inputs:
  chroms:
    type: int
    label: Number of chromosomes
    doc: Number of chromosomes (chr1 ...).
    default: 9
    inputBinding: {prefix: --chroms}
  chrom_len:
    type: int
    label: Chromosome length
    doc: Length of each chromosome.
    default: 90000
    inputBinding: {prefix: --chrom-len}
  seed:
    type: int
    label: Seed
    doc: Seed for every random generator.
    default: 1
    inputBinding: {prefix: --seed}
  prefix:
    type: string
    label: Name of the outputs
    doc: 'Outputs: <prefix>/.'
    default: simulate

outputs:
  genome:
    type: File
    format: edam:format_1929
    label: Genome
    outputBinding: {glob: $(inputs.prefix)/genome.fa}
  regions:
    type: File
    format: edam:format_3003
    label: Labelled regions
    outputBinding: {glob: $(inputs.prefix)/regions.bed}
  sequences:
    type: File
    format: edam:format_1929
    label: Sequences
    outputBinding: {glob: $(inputs.prefix)/sequences.fa}
  sequence_labels:
    type: File
    format: edam:format_3475
    label: Labels of the sequences
    outputBinding: {glob: $(inputs.prefix)/sequences_labels.tsv}
  variants:
    type: File
    format: edam:format_3016
    label: Variants with their true effect
    outputBinding: {glob: $(inputs.prefix)/variants.vcf}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0160
