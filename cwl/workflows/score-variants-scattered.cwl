#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: Workflow
label: Score the variants of a VCF in parallel, a region at a time, into one indexed VCF
doc: |
  Splits a bgzipped, indexed VCF into regions (bcftools view -r --regions-overlap 0: each record in the region
  its POS lies in, so none is scored twice), scores each part with genotools-score-variants as its own job, and
  joins the scored parts in order (bcftools concat) into one bgzipped VCF with its tabix index, and one TSV. The
  records are those of one genotools-score-variants run over the whole VCF. The regions default to one per contig
  that holds variants, in the index's order; regions given must be in the VCF's order and must not overlap.

  Each part is a job for the runner to place, so that a cluster scores them side by side:

      cwltool score-variants-scattered.cwl score-variants-scattered.job.yml
      toil-cwl-runner --batchSystem slurm --jobStore ./jobstore --disableCaching \
          score-variants-scattered.cwl score-variants-scattered.job.yml

  The scoring step runs the CPU descriptor; for GPUs, point it at ../gpu/score-variants.cwl and run with
  --enable-ext.
intent: [edam:operation_3225]

requirements:
  ScatterFeatureRequirement: {}
  MultipleInputFeatureRequirement: {}
  StepInputExpressionRequirement: {}
  InlineJavascriptRequirement: {}

inputs:
  model:
    type: File
    format: edam:format_2333
    label: Model from genotools-train
  reference:
    type: File
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'With its .fai index beside it (and the .gzi of a bgzipped FASTA): samtools faidx genome.fa makes them.'
  vcf:
    type: File
    format: edam:format_3016
    secondaryFiles:
      - {pattern: .tbi, required: false}
      - {pattern: .csi, required: false}
    label: Variants (bgzipped VCF or BCF, indexed)
    doc: 'bcftools index -t variants.vcf.gz makes the index that splitting by region needs.'
  regions:
    type: string[]?
    label: Regions scored as separate jobs
    doc: 'Such as chr1 or chr1:1-5000000, in the VCF''s order and not overlapping [default: every contig with variants].'

steps:
  contigs:
    run:
      class: CommandLineTool
      doc: The contigs that hold records, in the order of the VCF's index.
      hints:
        DockerRequirement: {dockerPull: quay.io/biocontainers/bcftools:1.20--h8b25389_0}
        SoftwareRequirement: {packages: {bcftools: {version: ['1.20']}}}
      baseCommand: [bcftools, index, --stats]
      inputs:
        vcf:
          type: File
          secondaryFiles: [{pattern: .tbi, required: false}, {pattern: .csi, required: false}]
          inputBinding: {position: 1}
      stdout: contigs.tsv
      outputs:
        contigs:
          type: string[]
          outputBinding:
            glob: contigs.tsv
            loadContents: true
            outputEval: $(self[0].contents.split('\n').filter(function (line) { return line; }).map(function (line) { return line.split('\t')[0]; }))
    in: {vcf: vcf}
    out: [contigs]

  split:
    run:
      class: CommandLineTool
      doc: The records whose POS lies in one region, bgzipped.
      hints:
        DockerRequirement: {dockerPull: quay.io/biocontainers/bcftools:1.20--h8b25389_0}
        SoftwareRequirement: {packages: {bcftools: {version: ['1.20']}}}
      baseCommand: [bcftools, view, --no-version, --regions-overlap, '0', --output-type, z]
      arguments:
        - {prefix: --output, valueFrom: "$(inputs.region.replace(/[^A-Za-z0-9._-]/g, '_')).vcf.gz"}
      inputs:
        vcf:
          type: File
          secondaryFiles: [{pattern: .tbi, required: false}, {pattern: .csi, required: false}]
          inputBinding: {position: 1}
        region:
          type: string
          inputBinding: {prefix: --regions}
      outputs:
        part:
          type: File
          format: edam:format_3016
          outputBinding: {glob: '*.vcf.gz'}
    scatter: region
    in:
      vcf: vcf
      region:
        source: [regions, contigs/contigs]
        pickValue: first_non_null
    out: [part]

  score:
    run: ../score-variants.cwl
    scatter: vcf
    in:
      model: model
      reference: reference
      vcf: split/part
    out: [output, tsv]

  join:
    run:
      class: CommandLineTool
      doc: The scored parts in order, as one bgzipped VCF with its tabix index, and one TSV (the first part's header).
      requirements:
        ShellCommandRequirement: {}
        InlineJavascriptRequirement: {}
      hints:
        DockerRequirement: {dockerPull: quay.io/biocontainers/bcftools:1.20--h8b25389_0}
        SoftwareRequirement: {packages: {bcftools: {version: ['1.20']}}}
      inputs:
        vcfs: File[]
        tsvs: File[]
        prefix: string
      arguments:
        - shellQuote: false
          valueFrom: >-
            bcftools concat --no-version --output-type z --output '$(inputs.prefix).vcf.gz'
            $(inputs.vcfs.map(function (f) { return "'" + f.path + "'"; }).join(' '))
            && bcftools index --tbi '$(inputs.prefix).vcf.gz'
            && awk 'FNR > 1 || NR == 1' $(inputs.tsvs.map(function (f) { return "'" + f.path + "'"; }).join(' '))
            > '$(inputs.prefix).tsv'
      outputs:
        output:
          type: File
          format: edam:format_3016
          secondaryFiles: [.tbi]
          outputBinding: {glob: '$(inputs.prefix).vcf.gz'}
        tsv:
          type: File
          format: edam:format_3475
          outputBinding: {glob: '$(inputs.prefix).tsv'}
    in:
      vcfs: score/output
      tsvs: score/tsv
      prefix:
        source: vcf
        valueFrom: $(self.basename.replace(/\.(gz|bgz)$/, '').replace(/\.[^.]*$/, ''))
    out: [output, tsv]

outputs:
  scored:
    type: File
    format: edam:format_3016
    outputSource: join/output
    label: The VCF with the scores of each ALT allele, bgzipped and indexed
  tsv:
    type: File
    format: edam:format_3475
    outputSource: join/tsv
    label: One row per ALT allele

$namespaces:
  edam: http://edamontology.org/
