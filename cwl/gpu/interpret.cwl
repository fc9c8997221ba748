#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Interpret a sequence model which bases drive its predictions (GPU)
doc: |
  Show which bases drive a trained model's prediction for one task, by in-silico saturation mutagenesis,
  gradient x input or integrated gradients, for FASTA sequences, BED regions on a reference or the alleles of
  VCF variants. Attributions explain the logit of a binary task and the prediction in training units of a
  regression task: positive where a base raises the output. ism's A, C, G, T columns hold the output change
  when that base is put at the position; the gradient methods' hold each base's share of the attribution.
  With --filter-motifs, the filters of the model's first convolution also become motifs, compared with known
  ones given by --known-motifs.

  Interpret, one of:
  - FASTA sequences: fasta
  - Regions on a reference genome: reference, regions
  - Variants on a reference genome: reference, vcf

  This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: --enable-ext); a runner that gives
  none runs it on the CPU. ../interpret.cwl is the CPU one.

  Example:

      genotools-interpret --model model.safetensors --reference genome.fa --regions peaks.bed --task ap1_bound --output attributions.tsv --bedgraph attributions.bedgraph --logos logos/
intent:
  - edam:operation_0239
  - edam:operation_0331

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.fasta, inputs.regions, inputs.vcf, inputs.known_motifs, inputs.model];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "interpret";
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

baseCommand: genotools-interpret
arguments:
  - {prefix: --device, valueFrom: auto}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).tsv}
  - {prefix: --bedgraph, valueFrom: $(prefix()).bedgraph}
  - {prefix: --logos, valueFrom: $(prefix()).logos}
  - {prefix: --filter-motifs, valueFrom: $(prefix()).filter_motifs}
  - {prefix: --filter-logos, valueFrom: $(prefix()).filter_logos}

inputs:
  model:
    type: File
    format: edam:format_2333
    label: Trained model
    doc: Model from genotools-train (.safetensors).
    inputBinding: {prefix: --model}
  fasta:
    type: File?
    format: edam:format_1929
    label: Sequences
    doc: Sequences to interpret (FASTA); each is cut or N-padded around its centre to the model's length.
    inputBinding: {prefix: --fasta}
  reference:
    type: File?
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'Reference genome FASTA, with --regions or --vcf. Its .fai index must lie beside it (and the .gzi of a
      bgzipped FASTA), as a container mounts it read-only: samtools faidx genome.fa makes them.'
    inputBinding: {prefix: --reference}
  regions:
    type: File?
    format: edam:format_3003
    label: Regions
    doc: 'BED regions: a window of the model''s length is centred on each.'
    inputBinding: {prefix: --regions}
  vcf:
    type: File?
    format:
      - edam:format_3016
      - edam:format_3020
    secondaryFiles:
      - {pattern: .tbi, required: false}
      - {pattern: .csi, required: false}
    label: Variants
    doc: 'Variants (VCF or BCF): the REF and ALT windows of each ALT allele, as genotools-score-variants scores
      them. Alleles it cannot score are left out and counted.'
    inputBinding: {prefix: --vcf}
  task:
    type: string?
    label: Task
    doc: The task to explain (needed when the model has several).
    inputBinding: {prefix: --task}
  method:
    type:
      type: enum
      symbols: [ism, gradient-input, integrated-gradients]
    label: Attribution method
    doc: 'ism (saturation mutagenesis: each substitution''s effect), gradient-input (gradient x input) or integrated-gradients
      (from a baseline of 0.25 per base).'
    default: ism
    inputBinding: {prefix: --method}
  steps:
    type: int
    label: Integration steps
    doc: Integration steps of integrated-gradients.
    default: 50
    inputBinding: {prefix: --steps}
  max_logos:
    type: int
    label: Most logos to draw
    doc: Draw logos for the first this many sequences, and the top this many filters, only.
    default: 50
    inputBinding: {prefix: --max-logos}
  known_motifs:
    type: File?
    format: edam:format_2330
    label: Known motifs (MEME or JASPAR format)
    doc: Known motifs to compare the filter motifs with, in MEME minimal format (e.g. JASPAR's JASPAR2024_CORE_non-redundant_pfms_meme.txt)
      or JASPAR format. A filter's best match has the highest Pearson correlation of aligned columns over offsets
      and both strands.
    inputBinding: {prefix: --known-motifs}
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
    doc: 'Outputs: <prefix>.tsv, <prefix>.bedgraph, <prefix>.logos/, <prefix>.filter_motifs/, <prefix>.filter_logos/
      [default: the name of the first given of fasta or regions or vcf or known_motifs or model, less its extensions
      (sample.fa.gz gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Attributions per base
    doc: 'Per-base table (TSV): name, allele, chrom, position, offset, base, attribution and the method''s value
      for each base A, C, G, T.'
    outputBinding: {glob: $(prefix()).tsv}
  bedgraph:
    type: File
    format: edam:format_3583
    label: Attributions along the genome
    doc: 'Also write the attributions as bedGraph: along the genome (for --vcf, of the REF windows), or along each
      FASTA record; a base in several windows gets their mean.'
    outputBinding: {glob: $(prefix()).bedgraph}
  logos:
    type: Directory
    label: Sequence logos
    doc: 'Folder for sequence-logo PNGs: one per sequence, region or variant (REF above ALT).'
    outputBinding: {glob: $(prefix()).logos}
  filter_motifs_meme:
    type: File
    format: edam:format_2330
    label: Filter motifs (MEME)
    outputBinding: {glob: $(prefix()).filter_motifs/motifs.meme}
  filter_matches:
    type: File
    format: edam:format_3475
    label: Filter motifs and their best matches
    outputBinding: {glob: $(prefix()).filter_motifs/matches.tsv}
  filter_logos:
    type: Directory
    label: Filter motif logos
    doc: Folder for information-content logos of the top filter motifs, each above its best match.
    outputBinding: {glob: $(prefix()).filter_logos}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/
  cwltool: http://commonwl.org/cwltool#

s:keywords:
  - edam:topic_3474
  - edam:topic_0160
s:citation:
  - https://doi.org/10.48550/arXiv.1703.01365
  - https://doi.org/10.1038/nmeth.3547
