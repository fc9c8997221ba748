#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Scan a cohort for disease-risk variants with classical tests and a neural risk model (GPU)
doc: |
  Test every variant for association with a trait, and train a neural risk model from all variants.

  Samples in only one of the two files, or without the trait or a covariate, are left out. Genotype QC removes
  samples and variants by call rate, minor-allele frequency and Hardy-Weinberg equilibrium. Each variant is then
  tested in a logistic (case/control) or linear (quantitative) regression with the covariates, a missing
  genotype set to the variant's mean dosage: effect (log odds ratio or trait units per ALT allele), standard
  error and Wald/t-test p-value; a case/control test falls back to Firth's penalised regression where the
  variant separates cases from controls or the fit does not converge (column test). A neural network (linear
  term plus MLP) over all variants and the covariates is evaluated by K-fold cross-validation beside three
  baselines fitted on the same training samples: the covariates alone, covariates plus a classical polygenic
  score (effects from the training samples, p-value threshold chosen on a hold-out), and covariates plus an
  elastic net over the variants jointly (penalty chosen on the hold-out). A final network trained on every
  sample is saved, and its gradient x input attribution ranks the variants. The top 1,000 variants of each
  ranking (p-value, neural importance) are LD-clumped as PLINK and PRSice do (columns p_clump, p_lead,
  importance_clump, importance_lead), so that the neighbours in LD of one signal do not hide the next.

  The networks' training writes a checkpoint every epoch, by default beside the output folder (OUTPUT_DIR
  with .checkpoint.safetensors), where a killed scan leaves it: --resume continues from it.

  This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: --enable-ext); a runner that gives
  none runs it on the CPU. ../associate-scan.cwl is the CPU one.

  Example:

      genotools-associate scan --vcf cohort.vcf.gz --phenotypes phenotypes.tsv --phenotype status --covariates age,sex,PC1..PC2 --output-dir results/
intent:
  - edam:operation_2423

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
          return "associate-scan";
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

baseCommand: [genotools-associate, scan]
arguments:
  - {prefix: --device, valueFrom: auto}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output-dir, valueFrom: $(prefix())}
  - {prefix: --checkpoint, valueFrom: $(prefix()).checkpoint.safetensors}

inputs:
  vcf:
    type: File
    format:
      - edam:format_3016
      - edam:format_3020
    secondaryFiles:
      - {pattern: .tbi, required: false}
      - {pattern: .csi, required: false}
    label: Genotypes
    doc: Genotypes of the samples (VCF or BCF, plain or bgzipped; no index needed), streamed record by record. Multiallelic
      records are skipped (split them first with bcftools norm -m -).
    inputBinding: {prefix: --vcf}
  phenotypes:
    type: File
    format: edam:format_3475
    label: Phenotype table
    doc: 'Phenotype table (TSV or CSV): the sample id in the first column, then the trait and covariates, one column
      each, named in the header.'
    inputBinding: {prefix: --phenotypes}
  phenotype:
    type: string
    label: Trait column
    doc: 'Column of the trait: case/control (0/1, 1/2 or control/case) or a quantitative value.'
    inputBinding: {prefix: --phenotype}
  covariates:
    type: string
    label: Covariate columns
    doc: Covariate columns, comma-separated; a range such as PC1..PC10 expands. A column of two labels (such as
      F/M) becomes 0/1.
    default: ''
    inputBinding: {prefix: --covariates}
  trait:
    type:
      type: enum
      symbols: [auto, binary, quantitative]
    label: Trait type
    doc: 'Trait type: auto (binary if the values are 0/1, 1/2 or control/case), binary or quantitative.'
    default: auto
    inputBinding: {prefix: --trait}
  genotype_field:
    type:
      type: enum
      symbols: [GT, DS]
    label: Genotype field
    doc: 'FORMAT field to read: GT (hard calls) or DS (dosages, kept to 0.02).'
    default: GT
    inputBinding: {prefix: --genotype-field}
  min_sample_call_rate:
    type: float
    label: Minimum sample call rate
    doc: Leave out samples with fewer called genotypes than this fraction.
    default: 0.95
    inputBinding: {prefix: --min-sample-call-rate}
  min_variant_call_rate:
    type: float
    label: Minimum variant call rate
    doc: Leave out variants called in fewer than this fraction of the kept samples.
    default: 0.95
    inputBinding: {prefix: --min-variant-call-rate}
  min_maf:
    type: float
    label: Minimum minor-allele frequency
    doc: Leave out variants with a lower minor-allele frequency (monomorphic ones always).
    default: 0.01
    inputBinding: {prefix: --min-maf}
  min_hwe_p:
    type: float
    label: Minimum Hardy-Weinberg p-value
    doc: Leave out variants whose Hardy-Weinberg exact test p-value (in controls; in all samples for a quantitative
      trait) is lower.
    default: 1.0e-06
    inputBinding: {prefix: --min-hwe-p}
  folds:
    type: int
    label: Cross-validation folds
    doc: Cross-validation folds (stratified by case status).
    default: 5
    inputBinding: {prefix: --folds}
  epochs:
    type: int
    label: Epochs
    doc: Maximum epochs per training run.
    default: 200
    inputBinding: {prefix: --epochs}
  batch_size:
    type: int
    label: Batch size
    doc: Samples per training step.
    default: 64
    inputBinding: {prefix: --batch-size}
  lr:
    type: float
    label: Learning rate
    doc: Learning rate (Adam).
    default: 0.001
    inputBinding: {prefix: --lr}
  sparsity:
    type: float
    label: Group-lasso weight
    doc: 'Weight of the group-lasso penalty on each variant''s weights, divided by the variant''s |z| in the classical
      test (adaptive lasso): higher keeps fewer variants.'
    default: 0.2
    inputBinding: {prefix: --sparsity}
  patience:
    type: int
    label: Patience
    doc: Stop a training run after this many epochs without a better hold-out loss.
    default: 20
    inputBinding: {prefix: --patience}
  hidden:
    type: int
    label: Hidden units
    doc: Units of the network's hidden layer.
    default: 32
    inputBinding: {prefix: --hidden}
  clump_r2:
    type: float
    label: "LD clumping r\xB2"
    doc: "LD clumping of the top of each ranking: a lead variant takes into its clump the variants whose genotypes\
      \ correlate with its own with at least this r\xB2."
    default: 0.1
    inputBinding: {prefix: --clump-r2}
  clump_kb:
    type: int
    label: LD clumping window (kb)
    doc: 'LD clumping: how far from its lead (kb) a variant can join the lead''s clump.'
    default: 250
    inputBinding: {prefix: --clump-kb}
  resume:
    type: File?
    format: edam:format_2333
    label: Resume from checkpoint
    doc: Resume from this checkpoint (written every epoch) with the same options and data.
    inputBinding: {prefix: --resume}
  precision:
    type:
      type: enum
      symbols: [fp32, bf16, fp16]
    label: Precision
    doc: 'Numeric precision: fp32, or mixed precision bf16 or fp16 (on GPUs; bf16 also runs on CPUs).'
    default: fp32
    inputBinding: {prefix: --precision}
  seed:
    type: int
    label: Seed
    doc: Seed for every random generator.
    default: 0
    inputBinding: {prefix: --seed}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>/, <prefix>.checkpoint.safetensors [default: the name of vcf, less its extensions (sample.vcf.gz
      gives sample)].'

outputs:
  variants:
    type: File
    format: edam:format_3475
    label: Per-variant statistics and neural importance
    outputBinding: {glob: $(prefix())/variants.tsv}
  qc:
    type: File
    format: edam:format_3475
    label: Samples and variants removed by QC
    outputBinding: {glob: $(prefix())/qc.tsv}
  manhattan:
    type: File
    format: edam:format_3603
    label: Manhattan plot
    outputBinding: {glob: $(prefix())/manhattan.png}
  qq:
    type: File
    format: edam:format_3603
    label: QQ plot
    outputBinding: {glob: $(prefix())/qq.png}
  risk_scores:
    type: File
    format: edam:format_3475
    label: Out-of-fold risk scores
    outputBinding: {glob: $(prefix())/risk_scores.tsv}
  metrics:
    type: File
    format: edam:format_3464
    label: Cross-validation metrics
    outputBinding: {glob: $(prefix())/metrics.json}
  model:
    type: File
    format: edam:format_2333
    label: Risk model
    outputBinding: {glob: $(prefix())/model.safetensors}
  checkpoint:
    type: File
    format: edam:format_2333
    label: Last checkpoint
    doc: Checkpoint to write every epoch.
    outputBinding: {glob: $(prefix()).checkpoint.safetensors}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/
  cwltool: http://commonwl.org/cwltool#

s:keywords:
  - edam:topic_3474
  - edam:topic_3517
s:citation:
  - https://doi.org/10.1086/429864
  - https://doi.org/10.1086/519795
  - https://doi.org/10.1093/gigascience/giz082
