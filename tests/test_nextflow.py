"""The Nextflow modules and pipeline, checked without a Nextflow runtime (none can be installed here).

Each module is parsed (process name, directives, input and output declarations, script and stub blocks) and its
structure checked against nf-core conventions and its meta.yml; then its `script:` and `stub:` blocks are
rendered the way Nextflow would for every case of its nf-test file (inputs staged from test-data, task.cpus = 1,
no accelerator) and run with bash, so a module whose command line no longer fits its tool fails here.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import pytest
import yaml

from genotools import __version__
from genotools.tools.wrappers import tools
from genotools.wrappers import nextflow
from genotools.wrappers.model import CPU_IMAGE, EDAM_FORMATS, GPU_IMAGE

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / nextflow.ROOT
TEST_DATA = ROOT / "test-data"
TOOLS = {nextflow.module_name(tool): tool for tool in tools()}
SIZE_LABELS = {"process_single", "process_low", "process_medium", "process_high"}


# --- a parser for the parts of a module that the checks need ---

def parse_module(text):
    """{name, directives: [(name, value)], input: [[(kind, name)]], output: [(kind, path, emit)], when,
    script: (statements, template), stub: (statements, template)} of a module's main.nf."""
    name, body = re.fullmatch(r"process (\w+) \{\n(.*)\n\}\n", text, re.S).groups()
    parts = re.split(r"^    (input|output|when|script|stub):\n", body, flags=re.M)
    sections = dict(zip(parts[1::2], parts[2::2]))
    return {
        "name": name,
        "directives": _directives(parts[0]),
        "input": [_declaration(line) for line in _lines(sections["input"])],
        "output": [_output(line) for line in _lines(sections["output"])],
        "when": " ".join(_lines(sections["when"])),
        "script": _block(sections["script"]),
        "stub": _block(sections["stub"]),
    }


def _lines(section):
    return [line.strip() for line in section.split("\n") if line.strip()]


def _directives(text):
    """[(directive, value)]; a value indented deeper continues the directive above."""
    directives = []
    for line in filter(None, text.split("\n")):
        if line.startswith("        "):
            directives[-1] += "\n" + line
        else:
            directives.append(line.strip())
    return [tuple(directive.split(" ", 1)) for directive in directives]


def _declaration(line):
    """`tuple val(meta), path(a)` -> [("val", "meta"), ("path", "a")]; `path a` -> [("path", "a")]."""
    line = re.sub(r"^tuple ", "", line)
    return [tuple(re.fullmatch(r"(val|path)[ (](\w+)\)?", item.strip()).groups()) for item in line.split(",")]


def _output(line):
    """`tuple val(meta), path("x"), emit: e` -> ("tuple", "x", "e"); `path "versions.yml", emit: versions`."""
    match = re.fullmatch(r'(tuple val\(meta\), path\("(.+)"\)|path "(.+)")\s*, emit: (\w+)', line)
    assert match, f"unexpected output declaration: {line}"
    return ("tuple" if match[2] else "path", match[2] or match[3], match[4])


def _block(section):
    """(Groovy statements, the triple-quoted shell template) of a script or stub block."""
    statements, template, rest = section.split('"""')
    assert not rest.strip(), "a script block ends with its template"
    return [s for s in _lines(statements) if not s.startswith("//")], template


# --- rendering a script block as Nextflow would, for the Groovy this renderer writes ---

def _interpolate(text, variables):
    """Groovy GString interpolation of `${name}`, `${a.b}` and `${name ? 'x' : 'y'}`, plus its escapes."""
    def replace(match):
        if match[0] in ("\\\\", "\\$"):
            return match[0][1]
        expression = match[1].strip()
        conditional = re.fullmatch(r"([\w.]+) \? '(.*)' : '(.*)'", expression)
        if conditional:
            return conditional[2] if variables[conditional[1]] else conditional[3]
        return str(variables[expression])
    return re.sub(r"\\\\|\\\$|\$\{([^}]*)\}", replace, text)


def _run_statements(statements, variables):
    for statement in statements:
        if match := re.fullmatch(r"(?:def )?(\w+) = task\.ext\.(\w+) \?: (?:''|\"(.*)\")", statement):
            name, ext, default = match.groups()
            given = variables["task.ext." + ext]
            variables[name] = given if given else _interpolate(default or "", variables)
        elif match := re.fullmatch(r"def (\w+) = (\w+) \? \"(.*)\" : ''", statement):
            name, condition, text = match.groups()
            variables[name] = _interpolate(text, variables) if variables[condition] else ""
        elif match := re.fullmatch(r"def (\w+) = (\w+)\.collect \{ (\w+) -> \"(.*)\" \}\.join\(' '\)", statement):
            name, items, item, text = match.groups()
            variables[name] = " ".join(_interpolate(text, variables | {item: value}) for value in variables[items])
        else:
            raise AssertionError(f"the test does not know how Nextflow evaluates: {statement}")


def render(block, variables):
    """The shell script Nextflow would run for a `script:` or `stub:` block (it strips the common indent)."""
    statements, template = block
    variables = dict(variables)
    _run_statements(statements, variables)
    return textwrap.dedent(_interpolate(template, variables)), variables


# --- the nf-test file: its cases, their arguments and inputs ---

def nf_test_cases(text):
    """{case name: (ext.args, [the values of each input channel], whether it runs with -stub)}."""
    cases = {}
    for name, body in re.findall(r'test\("([^"]+)"\) \{(.*?)\n    \}\n(?=\n    test|\})', text, re.S):
        args = re.sub(r"\\(.)", r"\1", re.search(r"module_args = '((?:[^'\\]|\\.)*)'", body)[1])
        process = textwrap.dedent(re.search(r'"""\n(.*?)"""', body, re.S)[1])
        values = re.findall(r"input\[\d+\] = (\[\n.*?\n\]|[^\n]*)", process, re.S)
        channels = [_channel_values(value) for value in values]
        cases[name] = (args, channels, '"-stub"' in body)
    return cases


TEST_FILE = r"file\(\"\$\{projectDir\}/\.\./test-data/([^\"]+)\"[^)]*\)"


def _channel_values(groovy):
    """The values in one `input[i] = ...`: meta as a dict, a test-data file as its path, a list of them as a list of
    paths, [] as None, literals."""
    items = re.findall(rf"\[ id:'(\w+)' \]|\[ (file\([^]]*) \]|{TEST_FILE}|(\[\])|'([^']*)'|(-?[\d.]+)", groovy)
    return [{"id": meta} if meta else [TEST_DATA / f for f in re.findall(TEST_FILE, listed)] if listed
            else TEST_DATA / file if file else None if empty else string or number
            for meta, listed, file, empty, string, number in items]


def _bind(declarations, channels):
    """Groovy variables for each declared input, from the values of an nf-test case's channels."""
    assert len(channels) == len(declarations), "the nf-test gives one value per input channel"
    variables = {}
    for declared, values in zip(declarations, channels):
        assert len(values) == len(declared), f"{declared} gets {values}"
        variables.update({name: value for (_, name), value in zip(declared, values)})
    return variables


def run_block(module, block, case, tmp_path):
    """Stage the case's inputs in a work dir like Nextflow, run the rendered block with bash; the variables."""
    parsed = parse_module((MODULES / module / "main.nf").read_text())
    args, channels, _ = nf_test_cases((MODULES / module / "tests" / "main.nf.test").read_text())[case]
    inputs = _bind(parsed["input"], channels)
    work = tmp_path / "work"
    work.mkdir()
    variables = {"task.ext.args": args, "task.ext.prefix": None, "task.cpus": 1, "task.accelerator": None,
                 "task.process": f"{parsed['name']}", "meta.id": inputs["meta"]["id"]}
    def stage(path):
        (work / path.name).symlink_to(path)
        return path.name
    for name, value in inputs.items():
        if isinstance(value, Path):
            variables[name] = stage(value)
        elif isinstance(value, list):
            variables[name] = [stage(path) for path in value]
        elif name != "meta":
            variables[name] = value if value is not None else []
    script, variables = render(parsed[block], variables)
    (work / ".command.sh").write_text(script)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-eu", ".command.sh"], cwd=work, env=environment, capture_output=True,
                            text=True, timeout=1800)  # only a hang guard
    assert result.returncode == 0, f"{module} {block} failed:\n{script}\n{result.stderr}"
    return parsed, variables, work


CASES = [(module, case) for module in sorted(TOOLS)
         for case, (_, _, stub) in nf_test_cases((MODULES / module / "tests" / "main.nf.test").read_text()).items()
         if not stub]


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_module_follows_nf_core_conventions(module):
    tool = TOOLS[module]
    parsed = parse_module((MODULES / module / "main.nf").read_text())
    directives = parsed["directives"]
    labels = [value.strip("'") for name, value in directives if name == "label"]
    container = dict(directives)["container"]
    assert parsed["name"] == f"GENOTOOLS_{module.upper()}"
    assert dict(directives)["tag"] == '"$meta.id"'
    assert len(SIZE_LABELS & set(labels)) == 1 and ("process_gpu" in labels) == tool.gpu
    assert dict(directives)["conda"] == '"${moduleDir}/environment.yml"'
    assert f"'{CPU_IMAGE}'" in container and f"'docker://{CPU_IMAGE}'" in container
    assert (f"'{GPU_IMAGE}'" in container) == tool.gpu
    assert "accelerator" not in dict(directives), "the pipeline's config, not the module, asks for a GPU"
    assert parsed["input"][0][0] == ("val", "meta")
    assert parsed["when"] == "task.ext.when == null || task.ext.when"
    assert parsed["output"][-1] == ("path", "versions.yml", "versions")
    statements, template = parsed["script"]
    assert "def args = task.ext.args ?: ''" in statements and 'prefix = task.ext.prefix ?: "${meta.id}"' in statements
    assert "${args}" in template and "--threads ${task.cpus}" in template
    assert ("--device ${task.accelerator ? 'cuda' : 'cpu'}" in template) == tool.gpu


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_meta_yml_describes_every_input_and_output(module):
    tool = TOOLS[module]
    parsed = parse_module((MODULES / module / "main.nf").read_text())
    meta = yaml.safe_load((MODULES / module / "meta.yml").read_text())
    assert meta["name"] == f"genotools_{module}"
    described_inputs = [[next(iter(entry)) for entry in (item if isinstance(item, list) else [item])]
                        for item in meta["input"]]
    assert described_inputs == [[name for _, name in declared] for declared in parsed["input"]]
    described_outputs = {emit: [next(iter(entry)) for entry in (items[0] if isinstance(items[0], list) else items)]
                         for emit, items in meta["output"].items()}
    assert described_outputs == {emit: (["meta", path] if kind == "tuple" else [path])
                                 for kind, path, emit in parsed["output"]}
    formats = {o.name: o.format for o in tool.inputs}
    for item in meta["input"]:
        for entry in item if isinstance(item, list) else [item]:
            (name, description), = entry.items()
            if name in formats:
                assert description["type"] == "file" and description["description"]
                assert description["ontologies"] == [{"edam": f"http://edamontology.org/{EDAM_FORMATS[formats[name]]}"}]


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_conda_environment_installs_this_version(module):
    environment = yaml.safe_load((MODULES / module / "environment.yml").read_text())
    assert {"pip": [f"genotools=={__version__}"]} in environment["dependencies"]


@pytest.mark.parametrize("module, case", CASES)
def test_the_module_script_runs_its_nf_test_case(module, case, tmp_path):
    tool = TOOLS[module]
    parsed, variables, work = run_block(module, "script", case, tmp_path)
    files = {emit: work / _interpolate(path, variables) for _, path, emit in parsed["output"]}
    for emit, path in files.items():
        assert path.exists(), f"{module} did not write its {emit} output"
    versions = yaml.safe_load(files["versions"].read_text())
    assert versions == {parsed["name"]: {"genotools": __version__}}
    emits = {option.name: emit for emit, *_, option in nextflow.outputs(tool)} | {e: e for _, _, e in parsed["output"]}
    expectations = next(test for test in tool.tests if test["name"] == case)["outputs"]
    for name, expected in expectations.items():
        path = files[emits[name]]
        if "has_text" in expected:
            assert expected["has_text"] in path.read_text()
        if "min_size" in expected:
            assert path.stat().st_size >= expected["min_size"]
        if "count" in expected:
            assert len(list(path.iterdir())) == expected["count"]
        if "h5_keys" in expected:
            with h5py.File(path) as store:
                assert set(expected["h5_keys"]) <= set(store)


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_stub_creates_every_output(module, tmp_path):
    stubs = [case for case, (_, _, stub) in
             nf_test_cases((MODULES / module / "tests" / "main.nf.test").read_text()).items() if stub]
    assert stubs, "the nf-test file has a stub case"
    parsed, variables, work = run_block(module, "stub", stubs[0], tmp_path)
    for _, path, emit in parsed["output"]:
        assert (work / _interpolate(path, variables)).exists(), f"the stub does not create the {emit} output"


def test_a_list_of_files_gives_each_file_after_its_option_in_order():
    parsed = parse_module((MODULES / "drugresponsepredict" / "main.nf").read_text())
    variables = {"task.ext.args": "", "task.ext.prefix": None, "task.cpus": 1, "task.accelerator": None,
                 "task.process": parsed["name"], "meta.id": "test", "model": "model.safetensors",
                 "omics": ["mutations.tsv", "expression.tsv"], "drugs": "drugs.tsv", "pairs": []}
    script, _ = render(parsed["script"], variables)
    assert "--omics mutations.tsv --omics expression.tsv \\\n" in script


def test_the_pipeline_calls_every_module_with_its_inputs():
    pipeline = (ROOT / "nextflow" / "main.nf").read_text()
    included = re.findall(r"include \{ (\w+)\s*\} from '\./(modules/genotools/\w+)/main'", pipeline)
    assert included
    modules = {name: parse_module((ROOT / "nextflow" / path / "main.nf").read_text()) for name, path in included}
    assert all(parsed["name"] == name for name, parsed in modules.items())
    for name, parsed in modules.items():
        start = re.search(rf"^    {name} \(", pipeline, re.M).end()
        arguments = _split_top_level(pipeline[start:])
        assert len(arguments) == len(parsed["input"]), f"{name} takes {len(parsed['input'])} input channels"
        tuple_value = re.search(r"-> (\[.*\])", arguments[0], re.S)
        if tuple_value:
            assert len(_split_top_level(tuple_value[1].strip()[1:])) == len(parsed["input"][0])
    for process, emit in re.findall(r"(\w+)\.out\.(\w+)", pipeline):
        assert emit in [e for _, _, e in modules[process]["output"]], f"{process} emits no {emit}"


def _split_top_level(text):
    """The comma-separated Groovy arguments at the start of `text`, up to the bracket that closes them."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "[({" else -1 if char in "])}" else 0
        if depth < 0:
            break
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + [current.strip()] if current.strip() else parts


def test_the_pipeline_has_the_profiles_users_need():
    config = (ROOT / "nextflow" / "nextflow.config").read_text()
    profiles = re.search(r"^profiles \{\n(.*?)^\}", config, re.M | re.S)[1]
    assert {"docker", "singularity", "gpu", "slurm", "test"} <= set(re.findall(r"^    (\w+) \{", profiles, re.M))
    gpu = re.search(r"^    gpu \{\n(.*?)^    \}", profiles, re.M | re.S)[1]
    assert re.search(r"withLabel: process_gpu \{\s*accelerator = 1", gpu)
    for path in re.findall(r'"\$\{projectDir\}/(\.\./test-data/[^"]+)"', profiles):
        assert (ROOT / "nextflow" / path).is_file()
