#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Encode sequences as one-hot tensors for deep learning
doc: |
  Encode genomic regions or sequences as one-hot tensors (A, C, G, T; N and other IUPAC codes as all
  zeros; soft-masked bases like upper-case ones) in an HDF5 dataset with labels, names, coordinates,
  task names and provenance. Encoding is deterministic and runs on one CPU core: --device, --seed and
  --threads are accepted, like every genotools tool takes them, and change nothing.

  Sequences to encode, one of:
  - Regions on a reference genome: reference, regions
  - FASTA sequences: fasta, labels

  Example:

      genotools-encode --reference genome.fa --regions regions.bed --seq-len 200 --output data.h5
intent:
  - edam:operation_3434

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.regions, inputs.fasta, inputs.labels, inputs.reference];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "encode";
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
  ResourceRequirement: {coresMin: 1, ramMin: 2048}

baseCommand: genotools-encode
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).h5}

inputs:
  reference:
    type: File?
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'Reference genome FASTA (plain or bgzipped). Needs --regions. Its .fai index must lie beside it (and the
      .gzi of a bgzipped FASTA), as a container mounts it read-only: samtools faidx genome.fa makes them.'
    inputBinding: {prefix: --reference}
  regions:
    type: File?
    format: edam:format_3003
    label: Labelled regions
    doc: BED regions (plain or gzipped). A '#chrom start end name task1 ...' header makes the columns after name
      into labels.
    inputBinding: {prefix: --regions}
  fasta:
    type: File?
    format: edam:format_1929
    label: Sequences
    doc: Ready-made sequences to encode instead of --reference/--regions (plain or gzipped FASTA). Records named
      by their region, as bedtools getfasta and samtools faidx name them (chr1:100-300), keep its coordinates, so
      that genotools-train can hold out chromosomes.
    inputBinding: {prefix: --fasta}
  labels:
    type: File?
    format: edam:format_3475
    label: Labels of the sequences
    doc: 'With --fasta: TSV of labels, header ''name task1 task2 ...'', one row per FASTA record.'
    inputBinding: {prefix: --labels}
  seq_len:
    type: int?
    label: Window length
    doc: 'Window length, centred on each region or sequence and padded with N past contig ends [default: the common
      length of the inputs].'
    inputBinding: {prefix: --seq-len}
  kmer:
    type: int
    label: K-mer length
    doc: 'Also store k-mer counts for this k (0: none).'
    default: 0
    inputBinding: {prefix: --kmer}
  reverse_complement:
    type: boolean
    label: Append reverse complements
    doc: Append the reverse complement of every sequence (strand '-') as augmentation.
    default: false
    inputBinding: {prefix: --reverse-complement}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>.h5 [default: the name of the first given of regions or fasta or labels or reference,
      less its extensions (sample.bed.gz gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3590
    label: Encoded dataset
    doc: HDF5 file to write.
    outputBinding: {glob: $(prefix()).h5}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_0160
s:citation:
  - https://doi.org/10.1101/gr.200535.115
