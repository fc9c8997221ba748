#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Quality control of a reference, regions, variants and matrices, with pass/warn/fail checks
doc: |
  Check the inputs of the other tools before they run: a reference FASTA, BED regions, a VCF or BCF, and
  numeric matrices, any of them; the checks that relate two files (regions and variants against the
  reference) run when both are given. Each check is a named metric with a value and a status: pass, warn
  (beyond its default threshold), fail (beyond a --fail-on threshold) or info (descriptive). The report
  shows the checks, then tables and plots per input; the summary holds the same as JSON. With --fail-on the
  tool exits with status 1 when a check fails, after writing every output, so that a pipeline stops on bad
  data. The checks are deterministic and run on one CPU core: --device, --seed and --threads are accepted,
  like every genotools tool takes them, and change nothing.

  Example:

      genotools-qc --reference genome.fa --regions regions.bed --vcf variants.vcf.gz --matrix expression.tsv --batches samples.tsv --batch-column batch --report qc.html --summary qc.json --multiqc qc_mqc.json --fail-on ref_mismatch_fraction=0 --fail-on missing_fraction=0.05
intent:
  - edam:operation_3218

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.regions, inputs.vcf, inputs.matrix, inputs.batches, inputs.reference];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "qc";
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

baseCommand: genotools-qc
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --report, valueFrom: $(prefix()).html}
  - {prefix: --summary, valueFrom: $(prefix()).summary.json}
  - {prefix: --multiqc, valueFrom: $(prefix())_mqc.json}

inputs:
  reference:
    type: File?
    format: edam:format_1929
    secondaryFiles:
      - {pattern: .fai, required: true}
      - {pattern: .gzi, required: false}
    label: Reference genome
    doc: 'Reference genome FASTA (plain or bgzipped): contigs, lengths, N, soft-masked and GC fractions; the regions
      and variants are checked against it. Its .fai index must lie beside it (and the .gzi of a bgzipped FASTA),
      as a container mounts it read-only: samtools faidx genome.fa makes them.'
    inputBinding: {prefix: --reference}
  regions:
    type: File?
    format: edam:format_3003
    label: Regions (BED)
    doc: 'BED regions, labelled as genotools-encode reads them: duplicates, overlaps, label balance per task, and
      regions outside the reference''s contigs.'
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
    doc: 'Variants, VCF or BCF: records per contig, Ti/Tv, missing genotypes per sample, and REF alleles and contig
      names that disagree with the reference.'
    inputBinding: {prefix: --vcf}
  matrix:
    type:
      type: array
      items: File
      inputBinding: {prefix: --matrix}
    format: edam:format_3475
    label: Numeric matrices
    doc: 'Numeric matrix of samples and features (expression, drug response ...), TSV or CSV, repeatable: missing
      values, constant features, outlier samples and principal components.'
    default: []
    inputBinding: {}
  orientation:
    type:
      type: enum
      symbols: [auto, rows, columns]
    label: Samples of the matrices are
    doc: 'Whether the samples of --matrix are its rows or its columns; auto: the side naming the samples of --batches,
      else the shorter side.'
    default: auto
    inputBinding: {prefix: --orientation}
  batches:
    type: File?
    format: edam:format_3475
    label: Samples table
    doc: 'Samples table (TSV or CSV): sample names in the first column, then columns such as batch; colours the
      principal components and tests them for a batch effect.'
    inputBinding: {prefix: --batches}
  batch_column:
    type: string?
    label: Batch column of the samples table
    doc: 'The column of --batches that holds the batch [default: its only column after the names].'
    inputBinding: {prefix: --batch-column}
  fail_on:
    type:
      type: array
      items: string
      inputBinding: {prefix: --fail-on}
    label: Fail when a metric is beyond a threshold (METRIC=THRESHOLD)
    doc: 'METRIC=THRESHOLD, repeatable: exit with status 1 when a metric is beyond it (above, or below for ti_tv
      and label_minority_fraction), after writing the report. Metrics: n_fraction, contig_n_fraction, soft_masked_fraction,
      gc_fraction, regions_on_unknown_contigs, regions_past_contig_end, duplicate_regions, overlapping_regions,
      constant_label_tasks, label_minority_fraction, ti_tv, ref_mismatch_fraction, contigs_not_in_reference, genotype_missing_fraction,
      missing_fraction, sample_missing_fraction, feature_missing_fraction, constant_features, outlier_samples, batch_pc_r2.'
    default: []
    inputBinding: {}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>.html, <prefix>.summary.json, <prefix>_mqc.json [default: the name of the first given
      of regions or vcf or matrix or batches or reference, less its extensions (sample.bed.gz gives sample)].'

outputs:
  report:
    type: File
    format: edam:format_2331
    label: QC report
    doc: 'The report to write: one self-contained HTML page.'
    outputBinding: {glob: $(prefix()).html}
  summary:
    type: File
    format: edam:format_3464
    label: QC summary
    doc: Every check as JSON.
    outputBinding: {glob: $(prefix()).summary.json}
  multiqc:
    type: File
    format: edam:format_3464
    label: QC metrics for MultiQC
    doc: Also write the metrics as MultiQC custom content; MultiQC finds it by the _mqc at the end of its name,
      as in qc_mqc.json.
    outputBinding: {glob: $(prefix())_mqc.json}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3572
  - edam:topic_0199
