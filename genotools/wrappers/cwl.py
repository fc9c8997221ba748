"""CWL v1.2 CommandLineTools: cwl/<tool>.cwl runs on the CPU, cwl/gpu/<tool>.cwl (tools that use a GPU) adds
cwltool:CUDARequirement, and cwl/tests.yml is a cwltest file with a job (cwl/jobs/<tool>-<test>.yml) for every
test in the specs.

As the CWL community writes tools: the container and the package as hints, EDAM formats on every file, inputs
named as the options are, defaults on the inputs rather than in the command line, outputs written under fixed
names and collected by glob. The platform sets --threads from the cores it grants, --quiet, and the device.
Alternative input sets (input_groups) are optional inputs; the tool itself refuses a mixture.
"""

import re

import yaml

from .model import CPU_IMAGE, EDAM_FORMATS, GPU_IMAGE, Option, Tool
from .yaml_style import IndentedDumper

EDAM = "http://edamontology.org/"
TYPES = {"integer": "int", "float": "float", "boolean": "boolean", "text": "string", "file": "File"}
EXTENSIONS = {"fasta": "fa", "bed": "bed", "vcf": "vcf", "vcf_bgzip": "vcf.gz", "h5": "h5",
              "safetensors": "safetensors", "tabular": "tsv", "bedgraph": "bedgraph", "png": "png", "json": "json",
              "html": "html"}
# Indexes that the tools use (or build) beside a file: staged with it, as containers mount inputs read-only.
INDEXES = {"fasta": ".fai", "vcf_bgzip": ".tbi"}
# The CUDA build of PyTorch in GPU_IMAGE needs at least this driver and compute capability.
CUDA = {"cudaVersionMin": "12.6", "cudaComputeCapability": "7.5", "cudaDeviceCountMin": 1}
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


def file_name(option: Option) -> str:
    """The fixed name a tool writes an output file or folder under."""
    return option.name if option.format == "directory" else f"{option.name}{option.suffix}.{EXTENSIONS[option.format]}"


def _doc(option, set_here):
    """The option's help, less a '[default: ...]' note where the descriptor sets the value itself."""
    return re.sub(r"\s*\[default: [^\]]*\]", "", option.help) if set_here else option.help


def _optional(cwl_type):
    return f"{cwl_type}?" if isinstance(cwl_type, str) else ["null", cwl_type]


def _input(option):
    """A CWL input for an input file or a parameter, and whether it needs JavaScript."""
    if option.choices:
        cwl_type = {"type": "enum", "symbols": option.choices}
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
    if option.format:
        described["format"] = _edam(EDAM_FORMATS[option.format])
        if option.format in INDEXES:
            described["secondaryFiles"] = [{"pattern": INDEXES[option.format], "required": False}]
    described["label"] = option.label
    doc = _doc(option, default is not None)
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
    if file_format in INDEXES:
        described["secondaryFiles"] = [{"pattern": INDEXES[file_format], "required": False}]
    described["label"] = label
    if doc:
        described["doc"] = doc
    described["outputBinding"] = {"glob": glob}
    return described


def outputs(tool: Tool) -> dict[str, tuple[str, str, str, str]]:
    """{output id: (label, doc, Galaxy format or "directory", path written)} for every output file, folders'
    contents included; a folder of files the tool names (a collection) is one Directory."""
    result = {}
    for option in tool.outputs:
        if option.contents:
            for key, content in option.contents.items():
                result[key] = (content["label"], "", content["format"], f"{option.name}/{content['path']}")
        else:
            result[option.name] = (option.label, _doc(option, True), option.format, file_name(option))
    return result


def _doc_text(tool):
    lines = [tool.help]
    for group in tool.input_groups:
        cases = [f"- {case['label']}: {', '.join(case['options'])}" for case in group["cases"].values()]
        lines.append("\n".join([f"{group['label']}, one of:", *cases]))
    lines.append(f"Example:\n\n    {tool.example}\n")
    return "\n\n".join(lines)


def _tool(tool, gpu):
    inputs, javascript = {}, False
    for option in tool.options:
        if option.role != "output":
            inputs[option.name], needs = _input(option)
            javascript |= needs
    arguments = []
    if "device" in tool.runtime:
        arguments.append({"prefix": "--device", "valueFrom": "cuda" if gpu else "cpu"})
    if "threads" in tool.runtime:
        arguments.append({"prefix": "--threads", "valueFrom": "$(runtime.cores)"})
    if "quiet" in tool.runtime:
        arguments.append("--quiet")
    arguments += [{"prefix": flag, "valueFrom": str(value)} for flag, value in tool.fixed.items()]
    for option in tool.outputs:
        arguments.append({"prefix": option.flag, "valueFrom": file_name(option)})

    requirements = {}
    if javascript:
        requirements["InlineJavascriptRequirement"] = {}
    if gpu:
        requirements["cwltool:CUDARequirement"] = CUDA
    # Deep-learning tools (those that can use a GPU) get more cores and memory; --threads follows the cores.
    resources = {"coresMin": 2, "ramMin": 8192} if tool.gpu else {"coresMin": 1, "ramMin": 2048}
    hints = {
        "DockerRequirement": {"dockerPull": GPU_IMAGE if gpu else CPU_IMAGE},
        "SoftwareRequirement": {"packages": {"genotools": {"version": [tool.version]}}},
        "ResourceRequirement": resources,
    }
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
         "doc": _doc_text(tool), "intent": [_edam(operation) for operation in tool.edam_operations]},
        {"requirements": requirements} if requirements else {},
        {"hints": hints},
        {"baseCommand": base_command if len(base_command) > 1 else tool.command, "arguments": arguments},
        {"inputs": inputs},
        {"outputs": {key: _file_output(*value) for key, value in outputs(tool).items()}},
        {"$namespaces": namespaces},
        metadata,
    ]
    return "#!/usr/bin/env cwl-runner\n" + "\n".join(_yaml(section) for section in sections if section)


def job_name(tool: Tool, test: dict) -> str:
    return f"{tool.name}-{test['name']}"


def _job(tool, test):
    def test_file(option, name):
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
                        for key, (_, _, file_format, path) in outputs(tool).items()}
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
