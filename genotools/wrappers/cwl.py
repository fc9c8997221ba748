"""CWL v1.2 CommandLineTools: cwl/<tool>.cwl for every tool, cwl/gpu/<tool>.cwl for the tools that can use a GPU,
and cwl/tests.yml, a cwltest file with a job (cwl/jobs/<tool>-<test>.yml) for every test in the specs.

As the CWL community writes tools: the container and the package as hints, EDAM formats on every file, inputs
named as the options are, defaults on the inputs rather than in the command line, outputs collected by glob.
The platform sets --threads from the cores it grants, --quiet, and the device. Alternative input sets
(input_groups) are optional inputs; the tool itself refuses a mixture.

Outputs are named as the Nextflow modules name them, <prefix>.<extension> for the main output and
<prefix>.<option>.<extension> for the others, where the prefix is the `prefix` input or else the name of the tool's
first input file given, less its extensions (variants.vcf.gz: variants): so that the runs of a scattered step
write distinct names.

One descriptor cannot serve both CPU and GPU: cwltool (3.3) and Toil (9.6) honour cwltool:CUDARequirement even
as a hint, and stop where there is no GPU ("Could not satisfy CUDARequirement"), whatever cudaDeviceCountMin says.
So cwl/<tool>.cwl runs on the CPU in the BioContainers image, and cwl/gpu/<tool>.cwl asks for one GPU (a hint:
a runner that does not know the extension runs it anyway, and --device auto falls back to the CPU) in the CUDA
image. EDAM formats are IRIs under $namespaces, without $schemas: cwltool fetches a $schemas ontology over the
network on every load, and warns where there is none (cluster nodes often have none); the formats a tool
accepts are listed instead (VCF and BCF), which needs no ontology.
"""

import re
import textwrap

import yaml

from .model import CPU_IMAGE, DISTRIBUTION, EDAM_FORMATS, GPU_IMAGE, Option, Tool
from .yaml_style import IndentedDumper

EDAM = "http://edamontology.org/"
TYPES = {"integer": "int", "float": "float", "boolean": "boolean", "text": "string", "file": "File"}
EXTENSIONS = {"fasta": "fa", "bed": "bed", "vcf": "vcf", "vcf_bgzip": "vcf.gz", "h5": "h5",
              "safetensors": "safetensors", "tabular": "tsv", "bedgraph": "bedgraph", "png": "png", "json": "json",
              "html": "html"}
# Input formats accepted besides the spec's own: variants as VCF or BCF (EDAM format_3020), plain or bgzipped.
ALSO_ACCEPTED = {"vcf": ["format_3020"], "vcf_bgzip": ["format_3020"]}
# The option that every tool names its reference genome, which it opens through the faidx index: the .fai (and the
# .gzi of a bgzipped FASTA) must be staged beside it, as a container mounts inputs read-only where the tool
# cannot build them.
REFERENCE = "reference"
REFERENCE_INDEXES = [{"pattern": ".fai", "required": True}, {"pattern": ".gzi", "required": False}]
REFERENCE_DOC = ("Its .fai index must lie beside it (and the .gzi of a bgzipped FASTA), as a container mounts it "
                 "read-only: samtools faidx genome.fa makes them.")
# Variants need no index; one beside the file travels with it.
VARIANT_INDEXES = [{"pattern": ".tbi", "required": False}, {"pattern": ".csi", "required": False}]
# Outputs written with their index (--output-type z writes a .tbi).
OUTPUT_INDEXES = {"vcf_bgzip": ".tbi"}
# Where bioconda and PyPI publish the distribution: SoftwareRequirement's specs.
PACKAGE_SPECS = [f"https://anaconda.org/bioconda/{DISTRIBUTION}", f"https://pypi.org/project/{DISTRIBUTION}/"]
# The CUDA build in GPU_IMAGE (...-cuda12.6) needs a driver for that CUDA version; the tools use one GPU.
CUDA_VERSION = re.fullmatch(r".*-cuda(\d+\.\d+)", GPU_IMAGE).group(1)
CUDA = {"cudaVersionMin": CUDA_VERSION, "cudaComputeCapability": "7.5", "cudaDeviceCountMin": 1,
        "cudaDeviceCountMax": 1}
# The name outputs take from an input file: less a compression extension, then less its own.
COMPRESSION = r"\.(gz|bgz|bz2|xz|zst)$"
PREFIX = "prefix"
COMPRESSED = {"fasta", "bed", "vcf"}  # formats often gzipped, for the example in the prefix's doc
TEST_DATA = "../../test-data"  # as seen from cwl/jobs/


class _Dumper(IndentedDumper):
    """YAML as CWL authors write it: also multi-line text as a literal block, short collections on one line."""


def _inline(values):
    """Short collections of plain words go on one line, as in `inputBinding: {prefix: --seed}`."""
    return all(isinstance(v, (str, int, float)) and ":" not in str(v) for v in values)


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))
_Dumper.add_representer(dict, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=_inline(data.values())))
_Dumper.add_representer(list, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=_inline(data)))


def _yaml(data):
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=110)


def _edam(term):
    return f"edam:{term}"


def _main_output(tool):
    return next(o for o in tool.outputs if o.required)


def file_name(tool: Tool, option: Option, prefix: str) -> str:
    """The name an output file or folder is written under, as the Nextflow module names it: the main output (the
    first required one) `<prefix>.<extension>`, the others with their option's name unless it is their extension
    (--tsv: `<prefix>.tsv`), or their suffix where they have one (`<prefix>_mqc.json`)."""
    extension = None if option.format == "directory" else EXTENSIONS[option.format]
    if option is _main_output(tool) or option.name == extension:
        name = prefix
    else:
        name = f"{prefix}{option.suffix}" if option.suffix else f"{prefix}.{option.name}"
    return f"{name}.{extension}" if extension else name


def _named_after(tool):
    """The inputs that outputs take their name from, the first given first: the tool's own inputs, then those
    shared by many runs (models, the reference genome); the list stops at the first that is always given."""
    shared = [o for o in tool.inputs if o.format == "safetensors" or o.name == REFERENCE]
    named = []
    for option in [o for o in tool.inputs if o not in shared] + shared:
        named.append(option)
        if option.required:
            break
    return named


def stem(name: str) -> str:
    """What `prefix()` in the descriptors makes of an input file's name: variants.vcf.gz gives variants."""
    return re.sub(r"\.[^.]*$", "", re.sub(COMPRESSION, "", name))


def _prefix_function(tool):
    """The JavaScript function that gives the prefix of the output names."""
    named = ", ".join(f"inputs.{option.name}" for option in _named_after(tool))
    return "\n".join([
        "// The outputs are named <prefix>.<extension>: the prefix input, or else the name of the first of these",
        "// inputs given, less its extensions (variants.vcf.gz: variants).",
        "function prefix() {",
        f"  if (inputs.{PREFIX}) {{ return inputs.{PREFIX}; }}",
        f"  var named = [{named}];",
        "  for (var i = 0; i < named.length; i++) {",
        "    var file = Array.isArray(named[i]) ? named[i][0] : named[i];",
        "    if (file) {",
        f'      return file.basename.replace(/{COMPRESSION}/, "").replace(/\\.[^.]*$/, "");',
        "    }",
        "  }",
        f'  return "{tool.name}";',
        "}",
        "",
    ])


def _prefix_input(tool):
    """The input that names the outputs, with the names it gives in its doc."""
    names = ", ".join(file_name(tool, option, "<prefix>") + ("/" if option.format == "directory" else "")
                      for option in tool.outputs)
    described = {"type": "string?" if tool.inputs else "string", "label": "Name of the outputs"}
    if tool.inputs:
        named = _named_after(tool)
        which = " or ".join(option.name for option in named)
        if len(named) > 1:
            which = f"the first given of {which}"
        elif named[0].multiple:
            which = f"the first of {which}"
        extension = EXTENSIONS.get(named[0].format, "txt") + (".gz" if named[0].format in COMPRESSED else "")
        described["doc"] = (f"Outputs: {names} [default: the name of {which}, less its extensions "
                            f"(sample.{extension} gives sample)].")
    else:
        described["doc"] = f"Outputs: {names}."
        described["default"] = tool.name
    return described


def _doc(option, set_here):
    """The option's help, less a '[default: ...]' note where the descriptor sets the value itself."""
    return re.sub(r"\s*\[default: [^\]]*\]", "", option.help) if set_here else option.help


def _optional(cwl_type):
    if isinstance(cwl_type, str):
        return f"{cwl_type}?"
    return ["null", *cwl_type] if isinstance(cwl_type, list) else ["null", cwl_type]


def _input(option):
    """A CWL input for an input file or a parameter, and whether it needs JavaScript."""
    if option.choices:
        cwl_type = {"type": "enum", "symbols": option.choices}
    elif option.format == "model":  # a model folder, or a weights file
        cwl_type = ["File", "Directory"]
    else:
        cwl_type = TYPES[option.kind]
    binding = {"prefix": option.flag}
    default = option.default
    if option.choices and default not in option.choices and default is not None:
        default = option.choices[0]  # e.g. "auto": the platform states the choice
    javascript = False
    if option.multiple:
        cwl_type = {"type": "array", "items": cwl_type, "inputBinding": binding}
        binding = {}
        default = None if option.required else list(default or [])
    elif option.kind == "boolean" and default and option.off_flag:
        binding = {"valueFrom": f'$(self ? "{option.flag}" : "{option.off_flag}")'}
        javascript = True
    elif default is None and not option.required:
        cwl_type = _optional(cwl_type)
    described = {"type": cwl_type}
    doc = _doc(option, default is not None)
    if option.format and option.format != "model":
        formats = [_edam(EDAM_FORMATS[f]) for f in [option.format, *option.also]]
        formats += [_edam(f) for f in ALSO_ACCEPTED.get(option.format, [])]
        described["format"] = formats if len(formats) > 1 else formats[0]
        if option.name == REFERENCE and option.format == "fasta":
            described["secondaryFiles"] = REFERENCE_INDEXES
            # What the command line says of a missing index does not hold on a read-only mount.
            doc = re.sub(r"[;,]?\s*the \.fai index is built when missing", "", doc)
            doc = f"{doc} {REFERENCE_DOC}"
        elif option.format in ("vcf", "vcf_bgzip"):
            described["secondaryFiles"] = VARIANT_INDEXES
    described["label"] = option.label
    if doc:
        described["doc"] = doc
    if default is not None:
        described["default"] = default
    described["inputBinding"] = binding
    return described, javascript


def _file_output(label, doc, file_format, glob):
    if file_format == "directory":
        return {"type": "Directory", "label": label, **({"doc": doc} if doc else {}), "outputBinding": {"glob": glob}}
    described = {"type": "File", "format": _edam(EDAM_FORMATS[file_format])}
    if file_format in OUTPUT_INDEXES:
        described["secondaryFiles"] = [{"pattern": OUTPUT_INDEXES[file_format], "required": False}]
    described["label"] = label
    if doc:
        described["doc"] = doc
    described["outputBinding"] = {"glob": glob}
    return described


def outputs(tool: Tool, prefix: str) -> dict[str, tuple[str, str, str, str]]:
    """{output id: (label, doc, Galaxy format or "directory", path written)} for every output file, folders'
    contents included, named with `prefix`; a folder of files the tool names (a collection) is one Directory."""
    result = {}
    for option in tool.outputs:
        name = file_name(tool, option, prefix)
        if option.contents:
            for key, content in option.contents.items():
                result[key] = (content["label"], "", content["format"], f"{name}/{content['path']}")
        else:
            result[option.name] = (option.label, _doc(option, True), option.format, name)
    return result


def _doc_text(tool, gpu):
    lines = [tool.help]
    for group in tool.input_groups:
        cases = [f"- {case['label']}: {', '.join(case['options'])}" for case in group["cases"].values()]
        lines.append("\n".join([f"{group['label']}, one of:", *cases]))
    if gpu:
        lines.append(textwrap.fill(f"This variant asks for one GPU and runs in the CUDA image (cwltool and Toil: "
                                   f"--enable-ext); a runner that gives none runs it on the CPU. ../{tool.name}.cwl "
                                   "is the CPU one.", width=110))
    elif tool.gpu:
        lines.append(f"This descriptor runs on the CPU; gpu/{tool.name}.cwl runs the same on a GPU.")
    lines.append(f"Example:\n\n    {tool.example}\n")
    return "\n\n".join(lines)


def _tool(tool, gpu):
    if any(option.name == PREFIX for option in tool.options):
        raise ValueError(f"{tool.name}: an option named {PREFIX} clashes with the CWL input that names the outputs")
    prefix = "$(prefix())" if tool.inputs else f"$(inputs.{PREFIX})"
    inputs, javascript = {}, bool(tool.inputs)
    for option in tool.options:
        if option.role != "output":
            inputs[option.name], needs = _input(option)
            javascript |= needs
    inputs[PREFIX] = _prefix_input(tool)
    arguments = []
    if "device" in tool.runtime:
        arguments.append({"prefix": "--device", "valueFrom": "auto" if gpu else "cpu"})
    if "threads" in tool.runtime:
        arguments.append({"prefix": "--threads", "valueFrom": "$(runtime.cores)"})
    if "quiet" in tool.runtime:
        arguments.append("--quiet")
    arguments += [{"prefix": flag, "valueFrom": str(value)} for flag, value in tool.fixed.items()]
    for option in tool.outputs:
        arguments.append({"prefix": option.flag, "valueFrom": file_name(tool, option, prefix)})

    requirements = {}
    if javascript:
        requirements["InlineJavascriptRequirement"] = (
            {"expressionLib": [_prefix_function(tool)]} if tool.inputs else {})
    # Deep-learning tools (those that can use a GPU) get more cores and memory; --threads follows the cores.
    resources = {"coresMin": 2, "ramMin": 8192} if tool.gpu else {"coresMin": 1, "ramMin": 2048}
    hints = {
        "DockerRequirement": {"dockerPull": GPU_IMAGE if gpu else CPU_IMAGE},
        "SoftwareRequirement": {"packages": {DISTRIBUTION: {"version": [tool.version], "specs": PACKAGE_SPECS}}},
        "ResourceRequirement": resources,
    }
    if gpu:
        hints["cwltool:CUDARequirement"] = CUDA
    namespaces = {"edam": EDAM, "s": "https://schema.org/"}
    if gpu:
        namespaces["cwltool"] = "http://commonwl.org/cwltool#"
    metadata = {"s:keywords": [_edam(topic) for topic in tool.edam_topics]}
    if tool.citations:
        metadata["s:citation"] = [f"https://doi.org/{doi}" for doi in tool.citations]

    base_command = tool.command.split()  # a subcommand's words go in a list: [genotools-drug-response, train]
    sections = [
        {"cwlVersion": "v1.2", "class": "CommandLineTool",
         "label": f"{tool.label} {tool.description}" + (" (GPU)" if gpu else ""),
         "doc": _doc_text(tool, gpu), "intent": [_edam(operation) for operation in tool.edam_operations]},
        {"requirements": requirements} if requirements else {},
        {"hints": hints},
        {"baseCommand": base_command if len(base_command) > 1 else tool.command, "arguments": arguments},
        {"inputs": inputs},
        {"outputs": {key: _file_output(*value) for key, value in outputs(tool, prefix).items()}},
        {"$namespaces": namespaces},
        metadata,
    ]
    return "#!/usr/bin/env cwl-runner\n" + "\n".join(_yaml(section) for section in sections if section)


def job_name(tool: Tool, test: dict) -> str:
    return f"{tool.name}-{test['name']}"


def test_prefix(tool: Tool, test: dict) -> str:
    """The prefix of a spec test's output names, as the descriptor's prefix() makes it from the test's inputs."""
    for option in _named_after(tool):
        value = test["options"].get(option.name)
        if value:
            return stem(value[0] if option.multiple else value)
    return tool.name


def _job(tool, test):
    def test_file(option, name):
        if option.format == "model":  # the test models are folders
            return {"class": "Directory", "location": f"{TEST_DATA}/{name}"}
        return {"class": "File", "location": f"{TEST_DATA}/{name}", "format": EDAM + EDAM_FORMATS[option.format]}
    job = {}
    for name, value in test["options"].items():
        option = tool.option(name)
        if option.kind == "file":
            value = [test_file(option, item) for item in value] if option.multiple else test_file(option, value)
        job[name] = value
    return _yaml(job)


def _tests(tools):
    """Every spec test: the outputs exist under their names with their formats (their contents: tests/test_cwl.py)."""
    tests = []
    for tool in tools:
        for test in tool.tests:
            expected = {key: {"class": "Directory", "basename": path, "location": "Any", "listing": []}
                        if file_format == "directory"
                        else {"class": "File", "basename": path.rsplit("/", 1)[-1],
                              "format": EDAM + EDAM_FORMATS[file_format], "location": "Any"}
                        for key, (_, _, file_format, path) in outputs(tool, test_prefix(tool, test)).items()}
            tests.append({"id": job_name(tool, test), "doc": f"{tool.command}, test {test['name']} of its spec",
                          "tool": f"{tool.name}.cwl", "job": f"jobs/{job_name(tool, test)}.yml",
                          "output": expected, "tags": [tool.name]})
    return "\n".join(_yaml([test]) for test in tests)


def render(tools: list[Tool]) -> dict[str, str]:
    files = {"cwl/tests.yml": _tests(tools)}
    for tool in tools:
        files[f"cwl/{tool.name}.cwl"] = _tool(tool, gpu=False)
        if tool.gpu:
            files[f"cwl/gpu/{tool.name}.cwl"] = _tool(tool, gpu=True)
        for test in tool.tests:
            files[f"cwl/jobs/{job_name(tool, test)}.yml"] = _job(tool, test)
    return files
