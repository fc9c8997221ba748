#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Score samples with a risk model from genotools-associate scan (GPU)
doc: |
  Score new samples with a risk model from genotools-associate scan. Variants are matched by chromosome,
  position, REF and ALT, or ALT and REF swapped (the genotypes then count the model's ALT allele); a variant
  of the model missing from the VCF, or a missing genotype, counts as the training mean. Writes per sample the
  risk (log-odds of being a case, or the predicted trait value) and, for a case/control model, the
  probability.

  This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: --enable-ext); a runner that gives
  none runs it on the CPU. ../associate-predict.cwl is the CPU one.

  Example:

      genotools-associate predict --model results/model.safetensors --vcf new.vcf.gz --phenotypes new_phenotypes.tsv --output risk.tsv
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
          return "associate-predict";
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

baseCommand: [genotools-associate, predict]
arguments:
  - {prefix: --device, valueFrom: auto}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).tsv}

inputs:
  model:
    type: File
    format: edam:format_2333
    label: Risk model
    doc: Risk model from genotools-associate scan (.safetensors).
    inputBinding: {prefix: --model}
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
    type: File?
    format: edam:format_3475
    label: Covariates of the samples
    doc: Table with the model's covariates for these samples (TSV or CSV, sample id first); needed when the model
      uses covariates.
    inputBinding: {prefix: --phenotypes}
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
    doc: 'Outputs: <prefix>.tsv [default: the name of vcf, less its extensions (sample.vcf.gz gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Risk scores
    doc: Risk scores to write (TSV).
    outputBinding: {glob: $(prefix()).tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/
  cwltool: http://commonwl.org/cwltool#

s:keywords:
  - edam:topic_3474
  - edam:topic_3517
