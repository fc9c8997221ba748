#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Encode sequences as one-hot tensors for deep learning
doc: |
  Encode genomic regions or sequences as one-hot tensors (A, C, G, T; N and other IUPAC codes as all
  zeros; soft-masked bases like upper-case ones) in an HDF5 dataset with labels, names, coordinates,
  task names and provenance: labelled BED regions on a reference, tiles or regions labelled by peak files
  (--peaks), or FASTA sequences. Sequences are encoded and written a run at a time, so that a dataset larger
  than memory can be made. Encoding runs on one CPU core: --device and --threads are accepted, like every
  genotools tool takes them, and change nothing; --seed draws the --background regions.

  Sequences to encode, one of:
  - Labelled regions on a reference genome: reference, regions
  - Tiles of a reference genome labelled by peak files: reference, peaks, task_names, tile, min_overlap, overlap_of, background, max_n, exclude
  - FASTA sequences: fasta, labels

  Example:

      genotools-encode --reference genome.fa --peaks CTCF.narrowPeak --peaks DNase.bed.gz --tile 200 --context 1000 --background 1 --exclude blacklist.bed --output data.h5
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
          var named = [inputs.regions, inputs.peaks, inputs.exclude, inputs.fasta, inputs.labels, inputs.reference];
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
    doc: 'Reference genome FASTA (plain or bgzipped). Needs --regions or --peaks. Its .fai index must lie beside
      it (and the .gzi of a bgzipped FASTA), as a container mounts it read-only: samtools faidx genome.fa makes
      them.'
    inputBinding: {prefix: --reference}
  regions:
    type: File?
    format: edam:format_3003
    label: Labelled regions
    doc: BED regions (plain or gzipped). A '#chrom start end name task1 ...' header makes the columns after name
      into labels; with --peaks, the regions to label (without label columns).
    inputBinding: {prefix: --regions}
  peaks:
    type:
      type: array
      items: File
      inputBinding: {prefix: --peaks}
    format: edam:format_3003
    label: Peak files, one per task
    doc: Peaks of one task (narrowPeak, broadPeak or BED; plain or gzipped); repeat for each task. Labels each --tile
      or --regions region 1 for the task where its peaks overlap the region by --min-overlap, else 0.
    default: []
    inputBinding: {}
  task_names:
    type:
      type: array
      items: string
      inputBinding: {prefix: --task-names}
    label: Task names
    doc: 'With --peaks: the task of each peak file, in order (repeat or comma-separate).'
    default: []
    inputBinding: {}
  tile:
    type: int?
    label: Tile length
    doc: 'With --peaks: label tiles of this many bases from the start of every contig of the reference, instead
      of --regions.'
    inputBinding: {prefix: --tile}
  min_overlap:
    type: float
    label: Overlap for a label of 1
    doc: 'With --peaks: the fraction of a region (see --overlap-of) a task''s peaks must cover for the label 1;
      0: any overlap.'
    default: 0.5
    inputBinding: {prefix: --min-overlap}
  overlap_of:
    type:
      type: enum
      symbols: [region, peak]
    label: Overlap measured as a fraction of
    doc: 'With --peaks: measure --min-overlap as a fraction of the region (covered by the peaks together), or of
      a peak (the largest fraction of one peak inside the region): region or peak.'
    default: region
    inputBinding: {prefix: --overlap-of}
  background:
    type: float?
    label: Background regions per region in a peak
    doc: 'With --peaks: keep only the regions in a peak (label 1 for some task), and this many regions in no peak
      for each of them, drawn (with --seed) to match their GC content [default: keep every region].'
    inputBinding: {prefix: --background}
  max_n:
    type: float
    label: Largest fraction of N
    doc: 'With --peaks: leave out windows whose sequence has more than this fraction of N (or lies past a contig
      end).'
    default: 0.1
    inputBinding: {prefix: --max-n}
  exclude:
    type: File?
    format: edam:format_3003
    label: Excluded regions (a blacklist)
    doc: 'With --peaks: leave out windows whose sequence touches a region of this BED (a blacklist such as ENCODE''s).'
    inputBinding: {prefix: --exclude}
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
    doc: 'Window length, centred on each region, tile or sequence and padded with N past contig ends [default: the
      common length of the regions, tiles or sequences].'
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
    doc: 'Outputs: <prefix>.h5 [default: the name of the first given of regions or peaks or exclude or fasta or
      labels or reference, less its extensions (sample.bed.gz gives sample)].'

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
