"""nf-core modules: nextflow/modules/genotools/genotools/<subtool>/{main.nf, meta.yml, environment.yml, tests/}.

The layout of an nf-core modules repository (`nextflow/.nf-core.yml`: repository_type modules, org_path genotools),
so `nf-core modules lint --dir nextflow` reads it: the tool is genotools, each command a subtool (lower case
letters and digits: score-variants is genotools/scorevariants, process GENOTOOLS_SCOREVARIANTS).

As nf-core does it: the files of one sample come in one tuple beside `meta` (the required inputs and the
alternative input sets of `input_groups`, pass [] for the files not used; a tool without required inputs takes
all its files there); the reference genome is a channel of its own, `tuple val(meta2), path(reference)`, with its
index `tuple val(meta3), path(fai)`; other optional files are plain `path` (a repeatable file option takes a list
of files, each passed after the option in the list's order); required values are `val`, every other option goes
through `task.ext.args`. Outputs are named from `task.ext.prefix`; versions go to the `versions` topic with
`eval`. The module sets --threads from task.cpus and --device from task.accelerator, never the accelerator itself.
GPU-capable tools switch image and conda environment on task.accelerator (nf-core's dual-container pattern) and
have a second nf-test file, tagged gpu.
"""

import re
import shlex
import textwrap
from pathlib import Path

import yaml

from .model import CPU_IMAGE, DISTRIBUTION, EDAM_FORMATS, GPU_IMAGE, HOMEPAGE, LICENCE, Option, Tool
from .yaml_style import IndentedDumper

ORG = "genotools"  # org_path of the modules repository (nextflow/.nf-core.yml)
SOFTWARE = "genotools"  # the tool of every module; its commands are the subtools
ROOT = f"nextflow/modules/{ORG}/{SOFTWARE}"
DOCUMENTATION = f"{HOMEPAGE}#readme"
MAINTAINERS = ["@genotools"]  # GitHub handles, as nf-core lists a module's authors and maintainers
# The Singularity image of a BioContainers image, as nf-core modules name it.
SINGULARITY_DEPOT = "https://depot.galaxyproject.org/singularity/"
REFERENCE = "reference"  # the option that takes the reference genome, a channel of its own with its .fai
VERSION_COMMAND = f"{SOFTWARE} --version | sed 's/^{SOFTWARE} //'"
CUDA_VERSION_COMMAND = "python -c \"import torch; print(torch.version.cuda or 'no CUDA available')\""
SCHEMA_URL = "https://raw.githubusercontent.com/nf-core/modules/master/modules/{}-schema.json"

# Galaxy datatype -> (file extension, meta.yml pattern).
EXTENSIONS = {
    "fasta": ("fa", "*.{fa,fasta,fna,fa.gz,fasta.gz,fna.gz}"),
    "bed": ("bed", "*.{bed,bed.gz}"),
    "vcf": ("vcf", "*.vcf"),
    "vcf_bgzip": ("vcf.gz", "*.vcf.gz"),
    "h5": ("h5", "*.{h5,hdf5}"),
    "safetensors": ("safetensors", "*.safetensors"),
    "tabular": ("tsv", "*.{tsv,txt}"),
    "bedgraph": ("bedgraph", "*.{bedgraph,bg}"),
    "png": ("png", "*.png"),
    "json": ("json", "*.json"),
    "txt": ("txt", "*.txt"),
    "obo": ("obo", "*.obo"),
    "html": ("html", "*.html"),
    "protobuf3": ("pb", "*.pb"),
    "zip": ("zip", "*.{zip,whl}"),
}
# What the tools read beyond the format they write: variants as VCF or BCF, plain or bgzipped.
INPUT_PATTERNS = {"vcf": "*.{vcf,vcf.gz,bcf}", "vcf_bgzip": "*.{vcf,vcf.gz,bcf}"}
INPUT_ONTOLOGIES = {"vcf": ["format_3016", "format_3020"], "vcf_bgzip": ["format_3016", "format_3020"]}  # VCF, BCF

KEYWORD_FORMATS = {"vcf_bgzip": "vcf", "tabular": "tsv", "h5": "hdf5"}

META = {"type": "map", "description": "Groovy Map containing sample information, e.g. `[ id:'sample1' ]`"}
META2 = {"type": "map", "description": "Groovy Map containing reference information, e.g. `[ id:'genome' ]`"}
META3 = {"type": "map", "description": "Groovy Map containing reference index information, e.g. `[ id:'genome' ]`"}


def module_name(tool: Tool) -> str:
    """nf-core subtool names are lower case letters and digits: score-variants becomes scorevariants."""
    return tool.name.replace("-", "")


def component_name(tool: Tool) -> str:
    """The module's name for nf-core tooling: <tool>/<subtool>."""
    return f"{SOFTWARE}/{module_name(tool)}"


def process_name(tool: Tool) -> str:
    return component_name(tool).upper().replace("/", "_")


def reference_input(tool: Tool) -> Option | None:
    return next((o for o in tool.inputs if o.name == REFERENCE and o.format == "fasta"), None)


def tuple_inputs(tool: Tool) -> list[Option]:
    """The files that make up one sample: the required inputs and every input of the input groups, or every
    input of a tool that requires none (qc); never the reference genome."""
    grouped = {name for group in tool.input_groups for case in group["cases"].values() for name in case["options"]}
    files = [o for o in tool.inputs if o is not reference_input(tool)]
    if not any(o.required for o in files):
        return files
    return [o for o in files if o.required or o.name in grouped]


def path_inputs(tool: Tool) -> list[Option]:
    return [o for o in tool.inputs if o not in tuple_inputs(tool) and o is not reference_input(tool)]


def value_inputs(tool: Tool) -> list[Option]:
    return [o for o in tool.parameters if o.required]


def _main_output(tool):
    return next(o for o in tool.outputs if o.required)


def _output_name(tool, option):
    """The main output (the first required one) is `${prefix}.<extension>`; the others add their option's name
    unless it is their extension (--tsv: `${prefix}.tsv`), or their suffix where they have one
    (`${prefix}_mqc.json`)."""
    extension = EXTENSIONS[option.format][0] if option.format != "directory" else None
    main = option is _main_output(tool) or option.name == extension
    name = "${prefix}" if main else f"${{prefix}}{option.suffix}" if option.suffix else f"${{prefix}}.{option.name}"
    return f"{name}.{extension}" if extension else name


def outputs(tool: Tool) -> list[tuple[str, str, str, str, Option]]:
    """(emit, path in the process, description, format, option) of every output file. The main output is
    emitted by its extension, as nf-core emits `bam` or `vcf`, the others by their option's name; a folder
    with fixed contents file by file, a collection folder whole."""
    result = []
    for option in tool.outputs:
        name = _output_name(tool, option)
        if option.contents:
            result += [(key, f"{name}/{content['path']}", content["label"], content["format"], option)
                       for key, content in option.contents.items()]
        else:
            emit = EXTENSIONS[option.format][0].split(".")[0] if option is _main_output(tool) else option.name
            result.append((emit, name, option.label, option.format, option))
    return result


def versions(tool: Tool) -> list[tuple[str, str, str]]:
    """(emit, tool, command) of each version the module reports on the `versions` topic: genotools', and for a
    GPU-capable tool the CUDA runtime its PyTorch was built with, as nf-core asks of GPU modules."""
    reported = [(f"versions_{SOFTWARE}", SOFTWARE, VERSION_COMMAND)]
    if tool.gpu:
        reported.append(("versions_cuda", "cuda", CUDA_VERSION_COMMAND))
    return reported


def _touch(tool):
    """Stub commands that create every output."""
    folders = [f"mkdir -p {_output_name(tool, o)}" for o in tool.outputs if o.format == "directory"]
    return folders + [f'echo "" | gzip > {path}' if path.endswith(".gz") else f"touch {path}"
                      for _, path, _, fmt, _ in outputs(tool) if fmt != "directory"]


def singularity_image(docker_image: str) -> str:
    """BioContainers' Singularity image of a quay.io/biocontainers image; any other image through docker://."""
    if docker_image.startswith("quay.io/biocontainers/"):
        return SINGULARITY_DEPOT + docker_image.removeprefix("quay.io/biocontainers/")
    return f"docker://{docker_image}"


def _groovy_literal(text):
    """A Groovy single-quoted string."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _container(tool):
    engine = ("workflow.containerEngine in ['singularity', 'apptainer'] && "
              "!task.ext.singularity_pull_docker_container")
    if tool.gpu:
        return (f'"${{ {engine} ?\n'
                f"        (task.accelerator ? '{singularity_image(GPU_IMAGE)}' : '{singularity_image(CPU_IMAGE)}') :\n"
                f"        (task.accelerator ? '{GPU_IMAGE}' : '{CPU_IMAGE}') }}\"")
    return f"\"${{ {engine} ?\n        '{singularity_image(CPU_IMAGE)}' :\n        '{CPU_IMAGE}' }}\""


def _conda(tool):
    if tool.gpu:
        return '"${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"'
    return '"${moduleDir}/environment.yml"'


def _runtime_arguments(tool):
    arguments = []
    if "device" in tool.runtime:
        arguments.append("--device ${task.accelerator ? 'cuda' : 'cpu'}" if tool.gpu else "--device cpu")
    if "threads" in tool.runtime:
        arguments.append("--threads ${task.cpus}")
    if "quiet" in tool.runtime:
        arguments.append("--quiet")
    return arguments


def _args_help(tool):
    flags = [f"{o.flag}/{o.off_flag}" if o.off_flag else o.flag for o in tool.parameters if not o.required]
    if not flags:
        return f"task.ext.args: {tool.command} has no options beside its inputs (see {tool.command} --help)"
    return f"task.ext.args takes {', '.join(flags)} (see {tool.command} --help)"


def _indent(text, spaces):
    return "\n".join(" " * spaces + line if line else line for line in text.split("\n"))


def _input_arg(option):
    """The Groovy that makes the command-line words of an input that is a list of files, or optional."""
    if option.multiple:  # the files in the order given, each after the option
        # One file staged is a Path, which Groovy would iterate over its name's parts: wrap, then flatten a list.
        return (f"def {option.name}_arg = [{option.name}].flatten().collect {{ f -> \"{option.flag} ${{f}}\" }}"
                ".join(' ')")
    return f"def {option.name}_arg = {option.name} ? \"{option.flag} ${{{option.name}}}\" : ''"


def input_declarations(tool: Tool) -> list[str]:
    files = "".join(f", path({o.name})" for o in tuple_inputs(tool))
    declarations = [f"tuple val(meta){files}" if files else "val(meta)"]
    if reference_input(tool):
        declarations += [f"tuple val(meta2), path({REFERENCE})", "tuple val(meta3), path(fai)"]
    return declarations + [f"path {o.name}" for o in path_inputs(tool)] + [f"val {o.name}" for o in value_inputs(tool)]


def _version_declaration(tool_name, command, emit):
    quoted = f'"{command}"' if '"' not in command else _groovy_literal(command)
    return f'tuple val("${{task.process}}"), val(\'{tool_name}\'), eval({quoted}), topic: versions, emit: {emit}'


def main_nf(tool: Tool) -> str:
    labels = ["process_medium", "process_gpu"] if tool.gpu else ["process_single"]
    declared = [(f'tuple val(meta), path("{path}")', emit) for emit, path, *_ in outputs(tool)]
    width = max(len(d) for d, _ in declared)
    output_lines = [f"{d:<{width}}, emit: {emit}" for d, emit in declared]
    output_lines += [_version_declaration(name, command, emit) for emit, name, command in versions(tool)]

    required = [o for o in tool.inputs if o.required]
    optional = [o for o in tool.inputs if not o.required]
    script_defs = ["def args = task.ext.args ?: ''", 'prefix = task.ext.prefix ?: "${meta.id}"']
    script_defs += [_input_arg(o) for o in tool.inputs if o.multiple or not o.required]
    arguments = ([f"${{{o.name}_arg}}" if o.multiple else f"{o.flag} ${{{o.name}}}" for o in required]
                 + [f"${{{o.name}_arg}}" for o in optional]
                 + [f"{o.flag} ${{{o.name}}}" for o in value_inputs(tool)]
                 + [f"{o.flag} {_output_name(tool, o)}" for o in tool.outputs]
                 + [f"{flag} {value}" for flag, value in tool.fixed.items()]
                 + _runtime_arguments(tool) + ["${args}"])
    command = " \\\\\n    ".join([tool.command] + arguments)
    script = '"""\n' + command + '\n"""'
    stub = '"""\n' + "\n".join(_touch(tool)) + '\n"""'

    lines = [f"process {process_name(tool)} {{", '    tag "$meta.id"']
    lines += [f"    label '{label}'" for label in labels]
    lines += ["", f"    conda {_conda(tool)}", f"    container {_container(tool)}", "", "    input:"]
    lines += [f"    {line}" for line in input_declarations(tool)]
    lines += ["", "    output:"] + [f"    {line}" for line in output_lines]
    lines += ["", "    when:", "    task.ext.when == null || task.ext.when", "", "    script:"]
    lines += [f"    // {line}" for line in textwrap.wrap(_args_help(tool), 110, break_on_hyphens=False)]
    if reference_input(tool):
        lines.append("    // fai: staged beside the reference, so the tool reads it rather than building one")
    lines += [f"    {line}" for line in script_defs] + [_indent(script, 4), "", "    stub:"]
    lines += ['    prefix = task.ext.prefix ?: "${meta.id}"', _indent(stub, 4), "}", ""]
    return "\n".join(lines)


def _file_entry(description, fmt, is_input=False, also=()):
    entry = {"type": "directory" if fmt in ("directory", "model") else "file", "description": description}
    pattern = INPUT_PATTERNS.get(fmt) if is_input else None
    if pattern or fmt in EXTENSIONS:
        entry["pattern"] = _joined_pattern([pattern or EXTENSIONS[fmt][1]] + [EXTENSIONS[other][1] for other in also])
    terms = (INPUT_ONTOLOGIES.get(fmt) if is_input else None) or ([EDAM_FORMATS[fmt]] if fmt in EDAM_FORMATS else [])
    terms = [*terms, *(EDAM_FORMATS[other] for other in also)]
    entry["ontologies"] = [{"edam": f"http://edamontology.org/{term}"} for term in dict.fromkeys(terms)]
    return entry


def _joined_pattern(patterns):
    """One glob for files that match any of `patterns` (*.vcf and *.{bcf,vcf.gz}: *.{vcf,bcf,vcf.gz})."""
    if len(patterns) == 1:
        return patterns[0]
    extensions = [extension for pattern in patterns for extension in pattern[2:].strip("{}").split(",")]
    return "*.{" + ",".join(dict.fromkeys(extensions)) + "}"


def _input_description(tool, option):
    text = option.help
    cases = [case["label"] for group in tool.input_groups for case in group["cases"].values()
             if option.name in case["options"]]
    unused = "[[], []]" if option is reference_input(tool) else "[]"
    if cases:
        return f"{text} ({' or '.join(cases)}; pass {unused} when not used)"
    if option.multiple:
        return f"{text} (a list of files, given to the tool in its order)"
    return text if option.required else f"{text} (optional: pass {unused} when not used)"


def _version_entries(name, command):
    return [{"${task.process}": {"type": "string", "description": "The name of the process"}},
            {name: {"type": "string", "description": "The name of the tool"}},
            {command: {"type": "eval", "description": "The expression to obtain the version of the tool"}}]


def _keywords(tool):
    words = [tool.name.replace("-", " "), "genomics", "deep learning"]
    words += [KEYWORD_FORMATS.get(o.format, o.format) for o in tool.inputs]
    return list(dict.fromkeys(words))


def _tool_description(tool):
    text = f"Deep-learning tools for genomics ({DISTRIBUTION}); this module runs `{tool.command}`: " + " ".join(
        tool.help.split())
    methods = ", ".join(f"https://doi.org/{doi}" for doi in tool.citations)
    return f"{text} Method: {methods}." if methods else text


def meta_yml(tool: Tool) -> str:
    def entry(option):
        return {option.name: _file_entry(_input_description(tool, option), option.format, is_input=True,
                                         also=option.also)}
    inputs = [[{"meta": META}] + [entry(o) for o in tuple_inputs(tool)] if tuple_inputs(tool) else {"meta": META}]
    reference = reference_input(tool)
    if reference:
        fai = {"type": "file", "pattern": "*.{fai,gzi}",
               "description": "faidx index of the reference (with a bgzipped reference its .fai and .gzi as a list), "
                              "staged beside it; pass [[], []] to have the tool build it in the work directory",
               "ontologies": []}
        inputs += [[{"meta2": META2}, entry(reference)], [{"meta3": META3}, {"fai": fai}]]
    inputs += [entry(o) for o in path_inputs(tool)]
    inputs += [{o.name: {"type": "integer" if o.kind == "integer" else "float" if o.kind == "float" else "string",
                         "description": o.help}} for o in value_inputs(tool)]
    output = {emit: [[{"meta": META}, {path: _file_entry(description, fmt)}]]
              for emit, path, description, fmt, _ in outputs(tool)}
    output.update({emit: [_version_entries(name, command)] for emit, name, command in versions(tool)})
    tool_entry = {"description": _tool_description(tool), "homepage": HOMEPAGE, "documentation": DOCUMENTATION,
                  "tool_dev_url": HOMEPAGE, "licence": [LICENCE], "identifier": "", "args_id": "$args"}
    document = {"name": component_name(tool).replace("/", "_"), "description": f"{tool.label} {tool.description}",
                "keywords": _keywords(tool), "tools": [{SOFTWARE: tool_entry}], "input": inputs, "output": output,
                "topics": {"versions": [_version_entries(name, command) for _, name, command in versions(tool)]},
                "authors": MAINTAINERS, "maintainers": MAINTAINERS}
    header = f"# yaml-language-server: $schema={SCHEMA_URL.format('meta')}\n"
    return header + yaml.dump(document, Dumper=IndentedDumper, sort_keys=False, width=110)


def _cuda_version():
    """The CUDA release of the GPU image (its tag ends -cuda<major>.<minor>)."""
    return re.fullmatch(r".*-cuda(\d+\.\d+)", GPU_IMAGE)[1]


def _torch_version():
    """The PyTorch both images install (containers/requirements.txt, the one pinned set)."""
    requirements = Path(__file__).resolve().parents[2] / "containers" / "requirements.txt"
    return re.search(r"^torch==(\S+)$", requirements.read_text(), re.M)[1]


def _environment(dependencies):
    return ("---\n"
            f"# yaml-language-server: $schema={SCHEMA_URL.format('environment')}\n"
            "channels:\n  - conda-forge\n  - bioconda\n"
            "dependencies:\n" + "".join(f"  - {dependency}\n" for dependency in sorted(dependencies)))


def environment_yml(tool: Tool) -> str:
    """The bioconda package of this version, pinned (its recipe: recipes/genotools-dl)."""
    return _environment([f"bioconda::{DISTRIBUTION}={tool.version}"])


def environment_gpu_yml(tool: Tool) -> str:
    """With a task.accelerator: the same package with the CUDA build of PyTorch, pinned like the GPU image."""
    return _environment([f"bioconda::{DISTRIBUTION}={tool.version}", f"conda-forge::cuda-version={_cuda_version()}",
                         f"conda-forge::pytorch-gpu={_torch_version()}"])


def module_args(tool: Tool, test: dict) -> str:
    """The task.ext.args a spec test needs: its parameter options on the command line."""
    words = []
    for name, value in test["options"].items():
        option = tool.option(name)
        if option.role != "parameter" or option.required:
            continue
        if option.kind == "boolean":
            words.append(option.flag if value else option.off_flag)
        else:
            words += [item for v in (value if isinstance(value, list) else [value]) for item in (option.flag, str(v))]
    return shlex.join(words)


def _groovy_string(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _test_file(name):
    return f"file(\"${{projectDir}}/../test-data/{name}\", checkIfExists: true)"


def _test_inputs(tool, test):
    """`input[i] = ...` lines of an nf-test `process` block: test-data files (a list of them for a repeatable
    option), [] for the inputs not used; the reference with its .fai from test-data, [ [], [] ] when not used."""
    def given(option):
        if option.name not in test["options"]:
            return "[]"
        value = test["options"][option.name]
        return f"[ {', '.join(_test_file(name) for name in value)} ]" if option.multiple else _test_file(value)
    files = [given(o) for o in tuple_inputs(tool)]
    channels = ["[\n" + ",\n".join(f"    {f}" for f in ["[ id:'test' ]"] + files) + "\n]" if files else "[ id:'test' ]"]
    reference = reference_input(tool)
    if reference:
        fasta = test["options"].get(reference.name)
        for name in (fasta, f"{fasta}.fai"):
            channels.append(f"[ [ id:'genome' ], {_test_file(name)} ]" if fasta else "[ [], [] ]")
    channels += [given(o) for o in path_inputs(tool)] + [repr(test["options"][o.name]) for o in value_inputs(tool)]
    return "\n".join(f"input[{i}] = {text}" for i, text in enumerate(channels))


def _version_assertions(tool, gpu):
    checks = [f"{{ assert process.out.versions_{SOFTWARE}[0][1..2] == [ '{SOFTWARE}', '{tool.version}' ] }}"]
    if gpu:
        checks.append("{ assert process.out.versions_cuda[0][2] != 'no CUDA available' }")
    return checks


def _stub_assertions(tool):
    return (["{ assert process.success }"]
            + [f"{{ assert path(process.out.{emit}[0][1]).exists() }}" for emit, *_ in outputs(tool)]
            + [f"{{ assert process.out.{emit}.size() == 1 }}" for emit, *_ in versions(tool)])


def _assertions(tool, test, gpu):
    checks = ["{ assert process.success }"]
    emits = [emit for emit, *_ in outputs(tool)]
    option_emits = {option.name: emit for emit, *_, option in outputs(tool)}
    checks += [f"{{ assert path(process.out.{emit}[0][1]).exists() }}" for emit in emits]
    for name, expectations in test["outputs"].items():
        emit = name if name in emits else option_emits[name]
        if "has_text" in expectations:
            text = _groovy_string(expectations["has_text"])
            checks.append(f"{{ assert path(process.out.{emit}[0][1]).text.contains({text}) }}")
        if "count" in expectations:
            checks.append(f"{{ assert file(process.out.{emit}[0][1]).listFiles().size() == {expectations['count']} }}")
        if "min_size" in expectations:
            checks.append(f"{{ assert file(process.out.{emit}[0][1]).size() >= {expectations['min_size']} }}")
    return checks + _version_assertions(tool, gpu)


def _nf_test_case(tool, test, config, stub=False, gpu=False):
    name = f"{test['name']} - stub" if stub else test["name"]
    lines = [f'test("{name}") {{', "", f'    config "{config}"']
    if stub:
        lines.append('    options "-stub"')
    lines += ["", "    when {"]
    args = module_args(tool, test)
    if args:
        lines += ["        params {", f"            module_args = {_groovy_string(args)}", "        }"]
    lines += ["        process {", '            """']
    lines += [_indent(_test_inputs(tool, test), 12), '            """', "        }", "    }", "", "    then {",
              "        assertAll("]
    checks = _stub_assertions(tool) if stub else _assertions(tool, test, gpu)
    lines += [f"            {check}," for check in checks[:-1]] + [f"            {checks[-1]}"]
    lines += ["        )", "    }", "}"]
    return "\n".join(lines)


def nf_test_tags(tool: Tool, gpu: bool = False) -> list[str]:
    """The tags nf-core's linter requires (modules, modules_<org>, the tool, tool/subtool), gpu first for the GPU
    file, as nf-core's GPU runners pick tests by it."""
    org = re.sub(r"[^a-zA-Z]", "", ORG) or "nfcore"
    return (["gpu"] if gpu else []) + ["modules", f"modules_{org}", SOFTWARE, component_name(tool)]


def main_nf_test(tool: Tool, gpu: bool = False) -> str:
    config = "./nextflow.gpu.config" if gpu else "./nextflow.config"
    cases = [_nf_test_case(tool, test, config, gpu=gpu) for test in tool.tests]
    cases.append(_nf_test_case(tool, tool.tests[0], config, stub=True, gpu=gpu))
    title = f"{process_name(tool)} (GPU)" if gpu else process_name(tool)
    lines = ["nextflow_process {", "", f'    name "Test Process {title}"', '    script "../main.nf"',
             f'    process "{process_name(tool)}"', ""]
    lines += [f'    tag "{tag}"' for tag in nf_test_tags(tool, gpu)] + [""]
    lines += ["\n\n".join(_indent(case, 4) for case in cases), "}", ""]
    return "\n".join(lines)


def nf_test_config(tool: Tool, gpu: bool = False) -> str:
    """ext.args from params.module_args (default ''), as nf-core's module tests set it; with a GPU, accelerator."""
    settings = ["ext.args    = params.module_args", "accelerator = 1"] if gpu else ["ext.args = params.module_args"]
    body = "".join(f"        {setting}\n" for setting in settings)
    return (f"params {{\n    module_args = ''\n}}\n\nprocess {{\n    withName: '{process_name(tool)}' {{\n{body}"
            "    }\n}\n")


def nf_core_yml() -> str:
    """nf-core tooling's configuration: a modules repository whose modules are under modules/<org_path>/; the GPU
    image's registry besides quay.io."""
    registry = GPU_IMAGE.split("/")[0]
    return ("# nf-core tools: `nf-core modules lint --dir nextflow` lints modules/genotools/ as a modules repository.\n"
            f"repository_type: modules\norg_path: {ORG}\ncontainer-registry:\n  - {registry}\n")


def render(tools: list[Tool]) -> dict[str, str]:
    files = {"nextflow/.nf-core.yml": nf_core_yml()}
    for tool in tools:
        folder = f"{ROOT}/{module_name(tool)}"
        files[f"{folder}/main.nf"] = main_nf(tool)
        files[f"{folder}/meta.yml"] = meta_yml(tool)
        files[f"{folder}/environment.yml"] = environment_yml(tool)
        files[f"{folder}/tests/main.nf.test"] = main_nf_test(tool)
        files[f"{folder}/tests/nextflow.config"] = nf_test_config(tool)
        if tool.gpu:
            files[f"{folder}/environment.gpu.yml"] = environment_gpu_yml(tool)
            files[f"{folder}/tests/main.gpu.nf.test"] = main_nf_test(tool, gpu=True)
            files[f"{folder}/tests/nextflow.gpu.config"] = nf_test_config(tool, gpu=True)
    return files
