#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Score splicing changes of variants SpliceAI's delta scores with an imported splice model
doc: |
  Score how every variant changes splicing, as SpliceAI 1.3.1 does: for each ALT allele and each gene that the
  variant lies in, the largest gain and loss of acceptor and donor probability within --distance bases (delta
  scores, DS) and where they are (delta positions, DP). The scores are added as SpliceAI's own INFO field,
  SpliceAI=ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL, with SpliceAI's header line, so that
  what reads SpliceAI's output reads this tool's. Every record and header line is kept, in order; records in no
  gene, near a contig end, with a REF that differs from the reference or longer than 2 x --distance are left
  unannotated, as SpliceAI leaves them, and counted. Many variants are scored per forward pass, on a GPU where
  there is one. The model comes from genotools-import-model (SpliceAI's or CI-SpliceAI's networks); its weights'
  licence is stated at every run: SpliceAI's are CC BY-NC 4.0 (non-commercial use only), CI-SpliceAI's CC BY 4.0.

  This descriptor runs on the CPU; gpu/score-splicing.cwl runs the same on a GPU.

  Example:

      genotools-score-splicing --model spliceai.safetensors --reference genome.fa --genes grch38.txt --vcf variants.vcf.gz --output annotated.vcf.gz
intent:
  - edam:operation_0331

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
          return "score-splicing";
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

baseCommand: genotools-score-splicing
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output-type, valueFrom: z}
  - {prefix: --output, valueFrom: $(prefix()).vcf.gz}
  - {prefix: --tsv, valueFrom: $(prefix()).tsv}
  - {prefix: --summary, valueFrom: $(prefix()).summary.json}

inputs:
  model:
    type: File
    format: edam:format_2333
    label: Splice model (from Import a published model)
    doc: Splice model from genotools-import-model (.safetensors).
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
  genes:
    type: File
    format: edam:format_3475
    label: Genes (SpliceAI's gene table, GTF or GFF3)
    doc: 'Genes: SpliceAI''s gene table (#NAME CHROM STRAND TX_START TX_END EXON_START EXON_END, as spliceai/annotations/grch38.txt
      in its wheel), a GTF or a GFF3; plain or gzipped.'
    inputBinding: {prefix: --genes}
  distance:
    type: int
    label: Largest distance to a gained or lost splice site
    doc: Largest distance, in bases, between the variant and a gained or lost splice site (SpliceAI's -D).
    default: 50
    inputBinding: {prefix: --distance}
  mask:
    type: boolean
    label: Mask annotated gains and unannotated losses
    doc: Score as 0 the gains of annotated splice sites and the losses of unannotated ones (SpliceAI's -M 1).
    default: false
    inputBinding: {prefix: --mask}
  ref_mismatch:
    type:
      type: enum
      symbols: [skip, error]
    label: When REF differs from the reference
    doc: 'When REF differs from the reference: skip (leave the record unannotated, as SpliceAI does) or error.'
    default: skip
    inputBinding: {prefix: --ref-mismatch}
  batch_size:
    type: int
    label: Batch size
    doc: Sequences per forward pass.
    default: 64
    inputBinding: {prefix: --batch-size}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>.vcf.gz, <prefix>.tsv, <prefix>.summary.json [default: the name of vcf, less its extensions
      (sample.vcf.gz gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3016
    secondaryFiles:
      - {pattern: .tbi, required: false}
    label: Variants with SpliceAI scores
    doc: 'Annotated variants: .vcf, .vcf.gz or .bcf (indexed when bgzipped or BCF); ''-'' writes VCF to standard
      output.'
    outputBinding: {glob: $(prefix()).vcf.gz}
  tsv:
    type: File
    format: edam:format_3475
    label: Scores table
    doc: 'Also write a table of the unrounded scores: one row per allele and gene.'
    outputBinding: {glob: $(prefix()).tsv}
  summary:
    type: File
    format: edam:format_3464
    label: Summary
    doc: Counts of what became of the records, alleles and genes, as JSON.
    outputBinding: {glob: $(prefix()).summary.json}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_3320
  - edam:topic_0199
s:citation:
  - https://doi.org/10.1016/j.cell.2018.12.015
