#!/usr/bin/env cwl-runner
cwlVersion: v1.2
class: CommandLineTool
label: Import a published model SpliceAI's or CI-SpliceAI's weights as a genotools model file
doc: |
  Convert a published model's weights into a genotools model file (safetensors, with the architecture, context,
  output classes, source, licence and citation in its metadata). The weights are read as data: no code of
  theirs runs, and no TensorFlow is needed. SpliceAI: its five models (SpliceAI-10k: 10,000 bases of context)
  become one ensemble whose per-position probabilities of neither, acceptor and donor are their mean, as SpliceAI
  scores; its weights are licensed CC BY-NC 4.0: non-commercial use only. CI-SpliceAI: the five SpliceAI-10k
  networks of its frozen graph, retrained on curated alternative splice sites, become such an ensemble; licensed
  CC BY 4.0 (attribution). A conversion needs no GPU: --device, --seed and --threads are accepted, like every
  genotools tool takes them, and change nothing.

  Example:

      genotools-import-model --source spliceai --weights spliceai-1.3.1-py2.py3-none-any.whl --output spliceai.safetensors
intent:
  - edam:operation_0335

requirements:
  InlineJavascriptRequirement:
    expressionLib:
      - |
        // The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these
        // inputs given, less its extensions (variants.vcf.gz: variants).
        function prefix() {
          if (inputs.prefix) { return inputs.prefix; }
          var named = [inputs.weights];
          for (var i = 0; i < named.length; i++) {
            var file = Array.isArray(named[i]) ? named[i][0] : named[i];
            if (file) {
              return file.basename.replace(/\.(gz|bgz|bz2|xz|zst)$/, "").replace(/\.[^.]*$/, "");
            }
          }
          return "import-model";
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

baseCommand: genotools-import-model
arguments:
  - {prefix: --device, valueFrom: cpu}
  - {prefix: --threads, valueFrom: $(runtime.cores)}
  - --quiet
  - {prefix: --output, valueFrom: $(prefix()).safetensors}

inputs:
  source:
    type:
      type: enum
      symbols: [spliceai, cispliceai]
    label: Published model
    doc: 'Whose weights: spliceai (SpliceAI 1.3.1, Illumina) or cispliceai (CI-SpliceAI 1.2.2, Strauch et al.).'
    inputBinding: {prefix: --source}
  weights:
    type:
      type: array
      items: File
      inputBinding: {prefix: --weights}
    format:
      - edam:format_3590
      - edam:format_2333
      - edam:format_3987
    label: Weights (Keras HDF5 files, a frozen TensorFlow graph or a wheel)
    doc: 'The published weights. spliceai: the spliceai-1.3.1 wheel (pip download --no-deps spliceai==1.3.1), a
      folder holding spliceai1.h5 ... spliceai5.h5, or .h5 files (repeat --weights); every model given joins the
      ensemble. cispliceai: the cispliceai-1.2.2 wheel (pip download --no-deps cispliceai==1.2.2) or the frozen
      TensorFlow graph it holds (CI-SpliceAI.pb).'
    inputBinding: {}
  prefix:
    type: string?
    label: Name of the outputs
    doc: 'Outputs: <prefix>.safetensors [default: the name of the first of weights, less its extensions (sample.h5
      gives sample)].'

outputs:
  output:
    type: File
    format: edam:format_2333
    label: Model
    doc: Model file to write (.safetensors).
    outputBinding: {glob: $(prefix()).safetensors}

$namespaces:
  edam: http://edamontology.org/
  s: https://schema.org/

s:keywords:
  - edam:topic_3474
  - edam:topic_3320
s:citation:
  - https://doi.org/10.1016/j.cell.2018.12.015
  - https://doi.org/10.1371/journal.pone.0269159
