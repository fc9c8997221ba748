"""nf-core-style Nextflow modules: nextflow/modules/genotools/<tool>/{main.nf, meta.yml, environment.yml, tests/}.

As nf-core does it: input files come in channels (the required inputs and the alternative input sets of
`input_groups` beside `meta` in one tuple, pass [] for the files not used; other optional files as plain
`path`; a repeatable file option takes a list of files, each passed after the option in the list's order),
required values as `val`, every other option through `task.ext.args`. Outputs are named from
`task.ext.prefix`; the module sets --threads from task.cpus and --device from task.accelerator, never the
accelerator itself.
"""

import shlex
import textwrap

import yaml

from .model import CPU_IMAGE, EDAM_FORMATS, GPU_IMAGE, Option, Tool
from .yaml_style import IndentedDumper

ROOT = "nextflow/modules/genotools"

# Galaxy datatype -> (file extension, meta.yml pattern).
EXTENSIONS = {
    "fasta": ("fa", "*.{fa,fasta,fa.gz,fasta.gz}"),
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
}

META = {"type": "map", "description": "Groovy Map containing sample information, e.g. `[ id:'sample1' ]`"}
VERSIONS = {"versions.yml": {"type": "file", "description": "File containing software versions",
                             "pattern": "versions.yml",
                             "ontologies": [{"edam": "http://edamontology.org/format_3750"}]}}


def module_name(tool: Tool) -> str:
    """nf-core module names are lower case letters and digits: score-variants becomes scorevariants."""
    return tool.name.replace("-", "")


def process_name(tool: Tool) -> str:
    return f"GENOTOOLS_{module_name(tool).upper()}"


def tuple_inputs(tool: Tool) -> list[Option]:
    """The files that make up one sample: the required inputs and every input of the input groups."""
    grouped = {name for group in tool.input_groups for case in group["cases"].values() for name in case["options"]}
    return [o for o in tool.inputs if o.required or o.name in grouped]


def path_inputs(tool: Tool) -> list[Option]:
    return [o for o in tool.inputs if o not in tuple_inputs(tool)]


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


def _touch(tool):
    """Stub commands that create every output."""
    folders = [f"mkdir -p {_output_name(tool, o)}" for o in tool.outputs if o.format == "directory"]
    return folders + [f'echo "" | gzip > {path}' if path.endswith(".gz") else f"touch {path}"
                      for _, path, _, fmt, _ in outputs(tool) if fmt != "directory"]


def _container(tool):
    def image(name):
        return f"workflow.containerEngine in ['singularity', 'apptainer'] ? 'docker://{name}' : '{name}'"
    if tool.gpu:
        return (f'"${{ task.accelerator ?\n'
                f"        ({image(GPU_IMAGE)}) :\n"
                f'        ({image(CPU_IMAGE)}) }}"')
    return f'"${{ {image(CPU_IMAGE)} }}"'


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
    return f"task.ext.args takes {', '.join(flags)} (see {tool.command} --help)"


def _versions(tool):
    return ("cat <<-END_VERSIONS > versions.yml\n"
            '"${task.process}":\n'
            f"    genotools: \\$({tool.command} --version | sed 's/^genotools //')\n"
            "END_VERSIONS")


def _indent(text, spaces):
    return "\n".join(" " * spaces + line if line else line for line in text.split("\n"))


def _input_arg(option):
    """The Groovy that makes the command-line words of an input that is a list of files, or optional."""
    if option.multiple:  # the files in the order given, each after the option
        return f"def {option.name}_arg = {option.name}.collect {{ f -> \"{option.flag} ${{f}}\" }}.join(' ')"
    return f"def {option.name}_arg = {option.name} ? \"{option.flag} ${{{option.name}}}\" : ''"


def main_nf(tool: Tool) -> str:
    labels = ["process_medium", "process_gpu"] if tool.gpu else ["process_single"]
    files = "".join(f", path({o.name})" for o in tuple_inputs(tool))
    inputs = [f"tuple val(meta){files}" if files else "val(meta)"]
    inputs += [f"path {o.name}" for o in path_inputs(tool)] + [f"val {o.name}" for o in value_inputs(tool)]
    declared = [(f'tuple val(meta), path("{path}")', emit) for emit, path, *_ in outputs(tool)]
    declared.append(('path "versions.yml"', "versions"))
    width = max(len(d) for d, _ in declared)
    output_lines = [f"{d:<{width}}, emit: {emit}" for d, emit in declared]

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
    script = '"""\n' + command + "\n\n" + _versions(tool) + '\n"""'
    stub = '"""\n' + "\n".join(_touch(tool)) + "\n\n" + _versions(tool) + '\n"""'

    lines = [f"process {process_name(tool)} {{", '    tag "$meta.id"']
    lines += [f"    label '{label}'" for label in labels]
    lines += ["", '    conda "${moduleDir}/environment.yml"', f"    container {_container(tool)}", "", "    input:"]
    lines += [f"    {line}" for line in inputs]
    lines += ["", "    output:"] + [f"    {line}" for line in output_lines]
    lines += ["", "    when:", "    task.ext.when == null || task.ext.when", "", "    script:"]
    lines += [f"    // {line}" for line in textwrap.wrap(_args_help(tool), 110, break_on_hyphens=False)]
    lines += [f"    {line}" for line in script_defs] + [_indent(script, 4), "", "    stub:"]
    lines += ['    prefix = task.ext.prefix ?: "${meta.id}"', _indent(stub, 4), "}", ""]
    return "\n".join(lines)


def _file_entry(description, fmt):
    entry = {"type": "directory" if fmt == "directory" else "file", "description": description}
    if fmt in EXTENSIONS:
        entry["pattern"] = EXTENSIONS[fmt][1]
    entry["ontologies"] = [{"edam": f"http://edamontology.org/{EDAM_FORMATS[fmt]}"}] if fmt in EDAM_FORMATS else []
    return entry


def _input_description(tool, option):
    text = option.help
    cases = [case["label"] for group in tool.input_groups for case in group["cases"].values()
             if option.name in case["options"]]
    if cases:
        return f"{text} ({' or '.join(cases)}; pass [] when not used)"
    if option.multiple:
        return f"{text} (a list of files, given to the tool in its order)"
    return text if option.required else f"{text} (optional: pass [] when not used)"


def meta_yml(tool: Tool) -> str:
    tuple_entry = [{"meta": META}] + [{o.name: _file_entry(_input_description(tool, o), o.format)}
                                      for o in tuple_inputs(tool)]
    inputs = [tuple_entry] + [{o.name: _file_entry(_input_description(tool, o), o.format)} for o in path_inputs(tool)]
    inputs += [{o.name: {"type": "integer" if o.kind == "integer" else "number" if o.kind == "float" else "string",
                         "description": o.help}} for o in value_inputs(tool)]
    output = {emit: [[{"meta": META}, {path: _file_entry(description, fmt)}]]
              for emit, path, description, fmt, _ in outputs(tool)}
    output["versions"] = [VERSIONS]
    tool_entry = {"description": " ".join(tool.help.split()), "identifier": "", "args_id": "$args"}
    if tool.citations:
        tool_entry["doi"] = tool.citations[0]
    document = {"name": f"genotools_{module_name(tool)}", "description": f"{tool.label} {tool.description}",
                "keywords": [tool.name, "genomics", "deep learning", "sequence model"],
                "tools": [{"genotools": tool_entry}], "input": inputs, "output": output}
    header = ("# yaml-language-server: $schema=https://raw.githubusercontent.com/nf-core/modules/master/"
              "modules/meta-schema.json\n")
    return header + yaml.dump(document, Dumper=IndentedDumper, sort_keys=False, width=110)


def environment_yml(tool: Tool) -> str:
    return ("---\n# yaml-language-server: $schema=https://raw.githubusercontent.com/nf-core/modules/master/"
            "modules/environment-schema.json\n"
            "channels:\n  - conda-forge\n  - bioconda\n"
            "dependencies:\n  - conda-forge::python=3.11\n  - conda-forge::pip\n"
            f"  - pip:\n      - genotools=={tool.version}\n")


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
    option), [] for the inputs not used."""
    def given(option):
        if option.name not in test["options"]:
            return "[]"
        value = test["options"][option.name]
        return f"[ {', '.join(_test_file(name) for name in value)} ]" if option.multiple else _test_file(value)
    files = [given(o) for o in tuple_inputs(tool)]
    channels = ["[\n" + ",\n".join(f"    {f}" for f in ["[ id:'test' ]"] + files) + "\n]" if files else "[ id:'test' ]"]
    channels += [given(o) for o in path_inputs(tool)] + [repr(test["options"][o.name]) for o in value_inputs(tool)]
    return "\n".join(f"input[{i}] = {text}" for i, text in enumerate(channels))


def _stub_assertions(tool):
    return (["{ assert process.success }"]
            + [f"{{ assert path(process.out.{emit}[0][1]).exists() }}" for emit, *_ in outputs(tool)]
            + ["{ assert path(process.out.versions[0]).exists() }"])


def _assertions(tool, test):
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
    checks.append("{ assert path(process.out.versions[0]).text.contains('genotools') }")
    return checks


def _nf_test_case(tool, test, stub=False):
    name = f"{test['name']} - stub" if stub else test["name"]
    lines = [f'test("{name}") {{', ""]
    if stub:
        lines += ['    options "-stub"', ""]
    lines += ["    when {", "        params {", f"            module_args = {_groovy_string(module_args(tool, test))}",
              "        }", "        process {", '            """']
    lines += [_indent(_test_inputs(tool, test), 12), '            """', "        }", "    }", "", "    then {",
              "        assertAll("]
    checks = _stub_assertions(tool) if stub else _assertions(tool, test)
    lines += [f"            {check}," for check in checks[:-1]] + [f"            {checks[-1]}"]
    lines += ["        )", "    }", "}"]
    return "\n".join(lines)


def main_nf_test(tool: Tool) -> str:
    cases = [_nf_test_case(tool, test) for test in tool.tests] + [_nf_test_case(tool, tool.tests[0], stub=True)]
    lines = ["nextflow_process {", "", f'    name "Test Process {process_name(tool)}"', '    script "../main.nf"',
             f'    process "{process_name(tool)}"', '    config "./nextflow.config"', "",
             '    tag "modules"', '    tag "genotools"', f'    tag "genotools/{module_name(tool)}"', ""]
    lines += ["\n\n".join(_indent(case, 4) for case in cases), "}", ""]
    return "\n".join(lines)


def nf_test_config(tool: Tool) -> str:
    return f"process {{\n    withName: '{process_name(tool)}' {{\n        ext.args = params.module_args\n    }}\n}}\n"


def render(tools: list[Tool]) -> dict[str, str]:
    files = {}
    for tool in tools:
        folder = f"{ROOT}/{module_name(tool)}"
        files[f"{folder}/main.nf"] = main_nf(tool)
        files[f"{folder}/meta.yml"] = meta_yml(tool)
        files[f"{folder}/environment.yml"] = environment_yml(tool)
        files[f"{folder}/tests/main.nf.test"] = main_nf_test(tool)
        files[f"{folder}/tests/nextflow.config"] = nf_test_config(tool)
    return files
