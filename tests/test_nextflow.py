"""The Nextflow modules and pipeline, checked without a Nextflow runtime (none can be installed here).

Each module is checked the way nf-core's tooling (nf-core/tools 4.2.1, `nf-core modules lint`) checks it where that
needs no Nextflow: meta.yml and environment.yml against nf-core's JSON schemas (/work/shared/nf-core, with the
copies in nextflow/modules/ where that is absent), meta.yml's inputs, outputs and topics against main.nf as the
linter reads them, names, tags, containers and labels; then its `script:` and `stub:` blocks are rendered the way
Nextflow would for every case of its nf-test file (inputs staged from test-data, task.cpus = 1, no accelerator) and
run with bash, with its `eval` version commands, so a module whose command line no longer fits its tool fails here.
The pipeline's parameter and samplesheet schemas are checked against JSON Schema 2020-12, the structure nf-schema
and nf-core's schema lint require, and the nf-core pipeline template's own schemas.
"""

import ast
import csv
import gzip
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import h5py
import jsonschema
import pytest
import yaml

from genotools import __version__
from genotools.tools.wrappers import tools
from genotools.wrappers import nextflow
from genotools.wrappers.model import CPU_IMAGE, DISTRIBUTION, EDAM_FORMATS, GPU_IMAGE

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "nextflow"
MODULES = ROOT / nextflow.ROOT
TEST_DATA = ROOT / "test-data"
TOOLS = {nextflow.module_name(tool): tool for tool in tools()}
SIZE_LABELS = {"process_single", "process_low", "process_medium", "process_high"}
# nf-core's schemas of a module's meta.yml and environment.yml; nextflow/modules/ keeps copies (where nf-core/modules
# keeps them) for checkouts without the shared folder.
SHARED_SCHEMAS = ROOT.parent / "shared" / "nf-core"
NF_CORE_VERSION = "4.2.1"  # the nf-core tools release whose linter and pipeline template these checks follow
REGISTRIES = ("quay.io", "community.wave.seqera.io/library")  # nf-core modules lint's default registries


def draft_2020_12():
    """jsonschema's Draft 2020-12 validator: nf-core's schemas and nf-schema's are written in that draft."""
    validator = getattr(jsonschema, "Draft202012Validator", None)
    assert validator, "jsonschema predates Draft 2020-12: the tests need jsonschema>=4.18"
    return validator


def nf_core_schema(name):
    path = SHARED_SCHEMAS / name if (SHARED_SCHEMAS / name).is_file() else PIPELINE / "modules" / name
    return json.loads(path.read_text())


# --- a parser for the parts of a module that the checks need ---

def parse_module(text):
    """{name, directives: [(name, value)], input: [[(kind, name)]], output: [(kind, path, emit)],
    versions: [(tool, command, emit)], when, script: (statements, template), stub: (statements, template)}."""
    name, body = re.fullmatch(r"process (\w+) \{\n(.*)\n\}\n", text, re.S).groups()
    parts = re.split(r"^    (input|output|when|script|stub):\n", body, flags=re.M)
    sections = dict(zip(parts[1::2], parts[2::2]))
    outputs = [_output(line) for line in _lines(sections["output"])]
    return {
        "name": name,
        "directives": _directives(parts[0]),
        "input": [_declaration(line) for line in _lines(sections["input"])],
        "output": [output for output in outputs if output[0] != "eval"],
        "versions": [output[1:] for output in outputs if output[0] == "eval"],
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


def groovy_string(literal, variables=None):
    """The value of a Groovy string literal: '...' as written (\\' and \\\\ escapes), "..." interpolated."""
    if literal.startswith("'"):
        return re.sub(r"\\(.)", r"\1", literal[1:-1])
    return _interpolate(literal[1:-1], variables or {})


def _output(line):
    """`tuple val(meta), path("x"), emit: e` -> ("tuple", "x", "e"); a version on the versions topic,
    `tuple val("${task.process}"), val('tool'), eval("command"), topic: versions, emit: e` -> ("eval", tool,
    command, e)."""
    version = re.fullmatch(r"""tuple val\("\$\{task\.process\}"\), val\('(\w+)'\), eval\(("(?:[^"\\]|\\.)*"|"""
                           r"""'(?:[^'\\]|\\.)*')\), topic: versions, emit: (versions_\w+)""", line)
    if version:
        return ("eval", version[1], groovy_string(version[2]), version[3])
    match = re.fullmatch(r'tuple val\(meta\), path\("(.+)"\)\s*, emit: (\w+)', line)
    assert match, f"unexpected output declaration: {line}"
    return ("tuple", match[1], match[2])


def _block(section):
    """(Groovy statements, the triple-quoted shell template) of a script or stub block."""
    statements, template, rest = section.split('"""')
    assert not rest.strip(), "a script block ends with its template"
    return [s for s in _lines(statements) if not s.startswith("//")], template


# --- main.nf and meta.yml as nf-core's linter reads them (nf_core/components/nfcore_component.py, MIT) ---

def _extract_value(text, start=0, split_on_comma=False):
    """nf-core's NFCoreComponent._extract_value: what follows a keyword, within its parentheses (only the quoted
    string where it starts with one), or up to the first comma outside quotes."""
    rest = text[start:].lstrip()
    if not rest:
        return None
    if split_on_comma:
        quote = None
        for i, char in enumerate(rest):
            if char in "\"'" and (i == 0 or rest[i - 1] != "\\"):
                quote = char if quote is None else (None if quote == char else quote)
            elif char == "," and quote is None:
                return rest[:i].strip()
        return rest.strip()
    if not rest.startswith("("):
        match = re.match(r"([^,\n]*)", rest)
        return match.group(1).strip() if match else None
    content = rest[1:].lstrip()
    starts_with_quote = content and content[0] in "\"'"
    depth, quote, closed_at = 0, None, None
    for i, char in enumerate(rest):
        if char in "\"'" and (i == 0 or rest[i - 1] != "\\"):
            if quote is None:
                quote = char
            elif quote == char:
                quote = None
                if depth == 1 and closed_at is None and starts_with_quote:
                    closed_at = i
        elif char == "(" and quote is None:
            depth += 1
        elif char == ")" and quote is None:
            depth -= 1
            if depth == 0:
                return rest[1:closed_at + 1] if closed_at is not None else rest[1:i].strip()
    return None


def _unquote(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _channel_names(line, keywords):
    names = [_extract_value(line, match.end()) for match in re.finditer(rf"\b({keywords})(?=\(|\s)", line)]
    return [_unquote(name) for name in names if name]


def lint_inputs(main_nf):
    """The input channels as nf-core's linter reads main.nf: [name] or [[names of a tuple]]."""
    channels = []
    for line in main_nf.split("input:")[1].split("output:")[0].split("\n"):
        names = [_extract_value(name, split_on_comma=True) for name in _channel_names(line.split("//")[0], "val|path")]
        if names:
            channels.append(names[0] if len(names) == 1 else names)
    return channels


def lint_outputs(main_nf, key="emit"):
    """{emit (or topic): [[names]]} as nf-core's linter reads the output block."""
    found = {}
    for line in main_nf.split("output:")[1].split("when:")[0].split("\n"):
        match = re.search(rf"{key}:\s*([^)\s,]+)", line)
        if match:
            names = _channel_names(line, "val|path|env|stdout|eval")
            found.setdefault(match[1], []).append(names[0] if len(names) == 1 else names)
    return found


def meta_names(channels):
    """The names in meta.yml's input list or an output/topic channel list, as the linter compares them."""
    return [[_unquote(next(iter(e))) for e in item] if isinstance(item, list) else _unquote(next(iter(item)))
            for item in channels]


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
        elif match := re.fullmatch(r"def (\w+) = \[(\w+)\]\.flatten\(\)\.join\(' '\)", statement):
            name, items = match.groups()
            variables[name] = " ".join(variables[items] if isinstance(variables[items], list) else [variables[items]])
        elif match := re.fullmatch(r"def (\w+) = \[(\w+)\]\.flatten\(\)\.collect \{ (\w+) -> \"(.*)\" \}\.join\(' '\)",
                                   statement):
            name, items, item, text = match.groups()
            files = variables[items] if isinstance(variables[items], list) else [variables[items]]  # one: a Path
            variables[name] = " ".join(_interpolate(text, variables | {item: value}) for value in files)
        else:
            raise AssertionError(f"the test does not know how Nextflow evaluates: {statement}")


def render(block, variables):
    """The shell script Nextflow would run for a `script:` or `stub:` block (it strips the common indent)."""
    statements, template = block
    variables = dict(variables)
    _run_statements(statements, variables)
    return textwrap.dedent(_interpolate(template, variables)), variables


# --- the nf-test files: their cases, their arguments, configs and inputs ---

def nf_test_cases(text):
    """{case name: (ext.args, [the values of each input channel], whether it runs with -stub, its config)}."""
    cases = {}
    for name, body in re.findall(r'test\("([^"]+)"\) \{(.*?)\n    \}\n(?=\n    test|\})', text, re.S):
        args = re.search(r"module_args = '((?:[^'\\]|\\.)*)'", body)
        process = textwrap.dedent(re.search(r'"""\n(.*?)"""', body, re.S)[1])
        values = re.findall(r"input\[\d+\] = (\[\n.*?\n\]|[^\n]*)", process, re.S)
        config = re.search(r'^        config "([^"]+)"$', body, re.M)
        cases[name] = (re.sub(r"\\(.)", r"\1", args[1]) if args else "", [_channel_values(v) for v in values],
                       '"-stub"' in body, config[1] if config else None)
    return cases


TEST_FILE = r"file\(\"\$\{projectDir\}/\.\./test-data/([^\"]+)\"[^)]*\)"


def _channel_values(groovy):
    """The values in one `input[i] = ...`: a meta map as a dict, a test-data file as its path, a list of them as a
    list of paths, [] as None, literals."""
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


def _test_file_cases(module, gpu=False):
    name = "main.gpu.nf.test" if gpu else "main.nf.test"
    return nf_test_cases((MODULES / module / "tests" / name).read_text())


def run_block(module, block, case, tmp_path, versions=True):
    """Stage the case's inputs in a work dir like Nextflow, run the rendered block with bash, then (with `versions`)
    the module's eval version commands there; (parsed module, variables, work dir, {versions emit: what its command
    printed})."""
    parsed = parse_module((MODULES / module / "main.nf").read_text())
    args, channels, _, _ = _test_file_cases(module)[case]
    inputs = _bind(parsed["input"], channels)
    work = tmp_path / "work"
    work.mkdir()
    variables = {"task.ext.args": args, "task.ext.prefix": None, "task.cpus": 1, "task.accelerator": None,
                 "task.process": f"{parsed['name']}", "meta.id": inputs["meta"]["id"]}

    def stage(path):
        assert path.exists(), f"{module} {case}: test-data lacks {path.name}"  # a file, or a model folder
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
    reported = {}
    for _, command, emit in parsed["versions"] if versions else []:
        version = subprocess.run(["bash", "-eu", "-o", "pipefail", "-c", command], cwd=work, env=environment,
                                 capture_output=True, text=True, timeout=600)
        assert version.returncode == 0, f"{module}: `{command}` failed:\n{version.stderr}"
        reported[emit] = version.stdout.strip()
    return parsed, variables, work, reported


CASES = [(module, case) for module in sorted(TOOLS)
         for case, (_, _, stub, _) in _test_file_cases(module).items() if not stub]


# --- the modules ---

def test_the_modules_are_laid_out_as_an_nf_core_modules_repository():
    config = yaml.safe_load((PIPELINE / ".nf-core.yml").read_text())
    assert config["repository_type"] == "modules" and config["org_path"] == nextflow.ORG
    assert MODULES.parent == PIPELINE / "modules" / config["org_path"]
    found = sorted(path.parent.relative_to(MODULES.parent).as_posix() for path in MODULES.parent.rglob("main.nf"))
    assert found == sorted(nextflow.component_name(tool) for tool in TOOLS.values())
    for name in found:  # nf-core's check_nf_module_name: lower case, no punctuation, <tool>/<subtool>
        assert name.islower() and name.replace("/", "").isalnum() and name.count("/") == 1
    assert GPU_IMAGE.split("/")[0] in config["container-registry"]


def test_nothing_is_left_of_modules_the_renderer_no_longer_makes():
    rendered = set(nextflow.render(list(TOOLS.values())))
    committed = {path.relative_to(ROOT).as_posix() for path in (PIPELINE / "modules" / nextflow.ORG).rglob("*")
                 if path.is_file()}
    assert committed <= rendered, f"stale files: {sorted(committed - rendered)}"


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_module_follows_nf_core_conventions(module):
    tool = TOOLS[module]
    text = (MODULES / module / "main.nf").read_text()
    parsed = parse_module(text)
    directives = parsed["directives"]
    labels = [value.strip("'") for name, value in directives if name == "label"]
    container = dict(directives)["container"]
    assert parsed["name"] == f"GENOTOOLS_{module.upper()}" == nextflow.component_name(tool).upper().replace("/", "_")
    assert dict(directives)["tag"] == '"$meta.id"'
    assert len(SIZE_LABELS & set(labels)) == 1 and ("process_gpu" in labels) == tool.gpu
    conda = '"${moduleDir}/environment.yml"'
    if tool.gpu:
        conda = '"${ task.accelerator ? "${moduleDir}/environment.gpu.yml" : "${moduleDir}/environment.yml" }"'
    assert dict(directives)["conda"] == conda
    singularity = "https://depot.galaxyproject.org/singularity/" + CPU_IMAGE.removeprefix("quay.io/biocontainers/")
    assert f"'{CPU_IMAGE}'" in container and f"'{singularity}'" in container
    assert (f"'{GPU_IMAGE}'" in container and f"'docker://{GPU_IMAGE}'" in container) == tool.gpu
    assert "!task.ext.singularity_pull_docker_container" in container
    assert "accelerator" not in dict(directives), "the pipeline's config, not the module, asks for a GPU"
    assert parsed["input"][0][0] == ("val", "meta")
    metas = [name for declared in parsed["input"] for _, name in declared if name.startswith("meta")]
    assert metas == ["meta", "meta2", "meta3"][:len(metas)]  # nf-core's meta_input_names
    assert parsed["when"] == "task.ext.when == null || task.ext.when"
    statements, template = parsed["script"]
    assert "def args = task.ext.args ?: ''" in statements and 'prefix = task.ext.prefix ?: "${meta.id}"' in statements
    assert "${args}" in template and "--threads ${task.cpus}" in template
    assert ("--device ${task.accelerator ? 'cuda' : 'cpu'}" in template) == tool.gpu
    assert "versions.yml" not in text, "versions go to the versions topic"
    assert [emit for *_, emit in parsed["versions"]] == ["versions_genotools"] + (["versions_cuda"] if tool.gpu else [])
    assert parsed["versions"][0][:2] == ("genotools", "genotools --version | sed 's/^genotools //'")
    for ext in re.findall(r"\bext\.\w+", "\n".join(statements) + template):  # nf-core's main_nf_ext_key
        assert ext in ("ext.args", "ext.prefix")
    for _, key in re.findall(r"(?<!\.)\b(meta\d*\??\.)(\w+)\b(?!\()", "\n".join(statements) + template):
        assert key in ("id", "single_end", "strandedness")  # nf-core's main_nf_meta_key
    for line in parsed["stub"][1].splitlines():
        if line.strip().endswith(".gz"):  # nf-core's test_stub_gzip_syntax
            assert re.search(r'echo\s+""\s*\|\s*gzip\s*>\s*.*\.gz$', line.strip())


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_container_images_come_from_registries_nf_core_lint_accepts(module):
    """nf-core's check_container_link_line on each line before `input:`: an image written as docker's is in one of
    the registries (quay.io, Seqera's, and those .nf-core.yml adds); Singularity's are https:// or docker://."""
    config = yaml.safe_load((PIPELINE / ".nf-core.yml").read_text())
    registries = REGISTRIES + tuple(config.get("container-registry", []))
    process = (MODULES / module / "main.nf").read_text().split("    input:")[0]
    images = re.findall(r"'([^' ]+)'", process.split("container ", 1)[1])
    images = [image for image in images if image not in ("singularity", "apptainer")]
    assert images
    for image in images:
        assert image.startswith(("https://", "docker://") + registries), image
    for raw in process.splitlines():
        line = raw.strip(" \n'\"}:?").removeprefix("container").strip(" \n'\"}:?")
        if line.count("/") >= 1 and line.count(":") == 1 and " " not in line and "https://" not in line:
            link = raw.split("'")[1] if raw.count("'") == 2 else raw.split('"')[1]
            assert link.startswith(registries), f"nf-core lint: container prefix of {link}"


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_meta_yml_is_valid_against_nf_core_schema(module):
    tool = TOOLS[module]
    meta = yaml.safe_load((MODULES / module / "meta.yml").read_text())
    jsonschema.validate(meta, nf_core_schema("meta-schema.json"), cls=draft_2020_12())
    assert meta["name"].upper() == f"GENOTOOLS_{module.upper()}"  # nf-core's meta_name
    (software, entry), = meta["tools"][0].items()
    assert software == "genotools"
    assert entry["homepage"].startswith("https://") and entry["documentation"].startswith("https://")
    assert entry["licence"] == ["MIT"] and entry["identifier"] == ""
    assert "doi" not in entry, "genotools has no DOI of its own; the methods' are in the description"
    assert all(doi in entry["description"] for doi in tool.citations)
    assert meta["authors"] and meta["maintainers"]
    assert all(re.fullmatch(r"@[\w-]+", handle) for handle in meta["authors"] + meta["maintainers"])


def test_the_schema_check_catches_what_nf_core_refuses():
    meta = yaml.safe_load((MODULES / "scorevariants" / "meta.yml").read_text())
    validator = draft_2020_12()(nf_core_schema("meta-schema.json"))
    assert validator.is_valid(meta)
    for path, value in ((("tools", 0, "genotools", "doi"), ""), (("tools", 0, "genotools", "identifier"), "samtools"),
                        (("tools", 0, "genotools", "licence"), "MIT"), (("keywords",), ["vcf", "vcf", "genomics"]),
                        (("input", 0, 1, "model", "type"), "number")):
        broken = json.loads(json.dumps(meta))
        *parents, last = path
        target = broken
        for key in parents:
            target = target[key]
        target[last] = value
        assert not validator.is_valid(broken), f"{path} = {value!r} passes"
    environment = draft_2020_12()(nf_core_schema("environment-schema.json"))
    assert not environment.is_valid({"channels": ["bioconda"], "dependencies": ["bioconda::genotools-dl"]})
    assert not environment.is_valid({"channels": ["bioconda"], "dependencies": [{"pip": ["genotools-dl"]}]})


@pytest.mark.skipif(not SHARED_SCHEMAS.is_dir(), reason="no shared nf-core schemas in this checkout")
def test_the_copies_of_nf_core_schemas_are_the_shared_ones():
    for name in ("meta-schema.json", "environment-schema.json"):
        assert json.loads((PIPELINE / "modules" / name).read_text()) == json.loads((SHARED_SCHEMAS / name).read_text())


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_meta_yml_describes_main_nf_as_nf_core_lint_reads_it(module):
    """nf-core's correct_meta_inputs, correct_meta_outputs and correct_meta_topics."""
    tool = TOOLS[module]
    text = (MODULES / module / "main.nf").read_text()
    meta = yaml.safe_load((MODULES / module / "meta.yml").read_text())
    assert meta_names(meta["input"]) == lint_inputs(text)
    assert {emit: meta_names(channels) for emit, channels in meta["output"].items()} == lint_outputs(text)
    assert {topic: meta_names(channels) for topic, channels in meta["topics"].items()} == \
        lint_outputs(text, key="topic")
    assert set(lint_outputs(text, key="topic")) == {"versions"}
    formats = {o.name: o.format for o in tool.inputs}
    for item in meta["input"]:
        for entry in item if isinstance(item, list) else [item]:
            (name, description), = entry.items()
            if formats.get(name) == "model":  # a model folder (or a weights file): no format of its own
                assert description["type"] == "directory" and description["description"]
                assert description["ontologies"] == []
            elif name in formats:
                assert description["type"] == "file" and description["description"]
                edam = {term["edam"] for term in description["ontologies"]}
                assert f"http://edamontology.org/{EDAM_FORMATS[formats[name]]}" in edam
                if formats[name] in ("vcf", "vcf_bgzip"):  # the tools read VCF and BCF, plain or bgzipped
                    assert description["pattern"] == "*.{vcf,vcf.gz,bcf}"
                    assert "http://edamontology.org/format_3020" in edam


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_reference_genome_is_a_channel_of_its_own_with_its_index(module):
    tool = TOOLS[module]
    declared = parse_module((MODULES / module / "main.nf").read_text())["input"]
    names = [name for channel in declared for _, name in channel]
    if any(o.name == "reference" for o in tool.inputs):
        assert [("val", "meta2"), ("path", "reference")] in declared and [("val", "meta3"), ("path", "fai")] in declared
        assert declared.index([("val", "meta3"), ("path", "fai")]) == declared.index(
            [("val", "meta2"), ("path", "reference")]) + 1
    else:
        assert "reference" not in names and "fai" not in names


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_conda_environments_pin_this_bioconda_release(module):
    tool = TOOLS[module]
    schema = nf_core_schema("environment-schema.json")
    names = ["environment.yml"] + (["environment.gpu.yml"] if tool.gpu else [])
    assert sorted(path.name for path in (MODULES / module).glob("environment*.yml")) == sorted(names)
    for name in names:
        lines = (MODULES / module / name).read_text().splitlines(keepends=True)
        assert lines[0] == "---\n" and lines[1].startswith("# yaml-language-server: $schema=")  # as the linter reads
        environment = yaml.safe_load("".join(lines[2:]))
        jsonschema.validate(environment, schema, cls=draft_2020_12())
        assert environment["channels"] == ["conda-forge", "bioconda"]
        assert f"bioconda::{DISTRIBUTION}={__version__}" in environment["dependencies"]
        assert environment["dependencies"] == sorted(environment["dependencies"])  # nf-core's environment_yml_sorted
        assert not any(isinstance(d, dict) for d in environment["dependencies"]), "conda packages, not pip"
    if tool.gpu:
        gpu = yaml.safe_load((MODULES / module / "environment.gpu.yml").read_text())["dependencies"]
        cuda = re.search(r"cuda(\d+\.\d+)$", GPU_IMAGE)[1]
        torch = re.search(r"^torch==(\S+)$", (ROOT / "containers" / "requirements.txt").read_text(), re.M)[1]
        assert f"conda-forge::cuda-version={cuda}" in gpu and f"conda-forge::pytorch-gpu={torch}" in gpu


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_the_nf_test_files_are_tagged_and_configured_as_nf_core_asks(module):
    tool = TOOLS[module]
    tests = MODULES / module / "tests"
    for gpu in (False, True) if tool.gpu else (False,):
        text = (tests / ("main.gpu.nf.test" if gpu else "main.nf.test")).read_text()
        tags = [line.strip().split()[1].strip('"') for line in text.splitlines() if line.strip().startswith("tag")]
        required = ["modules", "modules_genotools", "genotools", f"genotools/{module}"]  # nf-core's test_main_tags
        assert set(required) <= set(tags) and ("gpu" in tags) == gpu
        cases = nf_test_cases(text)
        assert [name for name, case in cases.items() if case[2]] == [f"{tool.tests[0]['name']} - stub"]
        assert {case[3] for case in cases.values()} == {"./nextflow.gpu.config" if gpu else "./nextflow.config"}
        assert "snapshot(" not in text, "a snapshot needs its .snap file, which only nf-test can write"
        checks = re.findall(r"^\s+\{ assert (.*) \},?$", text, re.M)
        assert checks.count("process.success") == len(cases)
        assert sum("versions_genotools" in check for check in checks) == len(cases)
    config = (tests / "nextflow.config").read_text()
    assert "module_args = ''" in config and "ext.args = params.module_args" in config
    assert (tests / "main.gpu.nf.test").exists() == (tests / "nextflow.gpu.config").exists() == tool.gpu
    if tool.gpu:
        assert re.search(r"accelerator = 1$", (tests / "nextflow.gpu.config").read_text(), re.M)


@pytest.mark.parametrize("module, case", CASES)
def test_the_module_script_runs_its_nf_test_case(module, case, tmp_path):
    tool = TOOLS[module]
    parsed, variables, work, versions = run_block(module, "script", case, tmp_path)
    files = {emit: work / _interpolate(path, variables) for _, path, emit in parsed["output"]}
    for emit, path in files.items():
        assert path.exists(), f"{module} did not write its {emit} output"
    assert versions["versions_genotools"] == __version__
    if tool.gpu:
        assert versions["versions_cuda"]
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
    stubs = [case for case, (_, _, stub, _) in _test_file_cases(module).items() if stub]
    parsed, variables, work, _ = run_block(module, "stub", stubs[0], tmp_path, versions=False)
    for _, path, emit in parsed["output"]:
        assert (work / _interpolate(path, variables)).exists(), f"the stub does not create the {emit} output"


def test_a_list_of_files_gives_each_file_after_its_option_in_order():
    parsed = parse_module((MODULES / "drugresponsepredict" / "main.nf").read_text())
    variables = {"task.ext.args": "", "task.ext.prefix": None, "task.cpus": 1, "task.accelerator": None,
                 "task.process": parsed["name"], "meta.id": "test", "model": "model.safetensors",
                 "omics": ["mutations.tsv", "expression.tsv"], "drugs": "drugs.tsv", "pairs": []}
    script, _ = render(parsed["script"], variables)
    assert "--omics mutations.tsv --omics expression.tsv \\\n" in script


# --- the pipeline ---

INCLUDE = r"include \{ (\w+)\s*\} from '\./(modules/[\w/-]+)/main'"


def test_the_pipeline_calls_every_module_with_its_inputs():
    pipeline = (PIPELINE / "main.nf").read_text()
    included = dict(re.findall(INCLUDE, pipeline))
    assert {"GENOTOOLS_QC", "GENOTOOLS_ENCODE", "GENOTOOLS_TRAIN", "GENOTOOLS_PREDICT", "MULTIQC"} <= set(included)
    modules = {name: parse_module((PIPELINE / path / "main.nf").read_text())
               for name, path in included.items() if name.startswith("GENOTOOLS_")}
    assert all(parsed["name"] == name for name, parsed in modules.items())
    for name, parsed in modules.items():
        start = re.search(rf"^    {name} \(", pipeline, re.M).end()
        arguments = _split_top_level(pipeline[start:])
        assert len(arguments) == len(parsed["input"]), f"{name} takes {len(parsed['input'])} input channels"
        tuple_values = re.findall(r"-> (\[.*\]) \}$", arguments[0], re.M)  # the last closure's makes the tuple
        if tuple_values:
            assert len(_split_top_level(tuple_values[-1].strip()[1:])) == len(parsed["input"][0])
        for argument, declared in zip(arguments[1:], parsed["input"][1:]):
            if [n for _, n in declared] == ["meta2", "reference"]:
                assert argument == "ch_fasta"
            if [n for _, n in declared] == ["meta3", "fai"]:
                assert argument == "ch_fai"
    for process, emit in re.findall(r"(GENOTOOLS_\w+)\.out\.(\w+)", pipeline):
        assert emit in [e for _, _, e in modules[process]["output"]], f"{process} emits no {emit}"
    multiqc = (PIPELINE / included["MULTIQC"] / "main.nf").read_text()
    declared = re.search(r"input:\n\s*tuple (.*)\n", multiqc)[1]
    call = pipeline[re.search(r"^    MULTIQC \(", pipeline, re.M).end():]
    sent = re.search(r"files -> (\[.*?\]) \}", call)[1]
    assert len(_split_top_level(sent[1:])) == len(re.findall(r"\b(?:val|path)\(", declared))


def test_variants_split_by_contig_scored_and_joined_are_those_of_one_run(tmp_path):
    """The pipeline's scatter, as its tasks would run: VCF_SPLIT's script, GENOTOOLS_SCOREVARIANTS' on each part, and
    VCF_CONCAT's on the scored parts in their order."""
    split, concat = (parse_module(re.sub(r"^(//.*\n)+", "", (PIPELINE / "modules" / "local" / name / "main.nf")
                                         .read_text())) for name in ("vcfsplit", "vcfconcat"))
    score = parse_module((MODULES / "scorevariants" / "main.nf").read_text())
    for name in ("variants.vcf", "genome.fa", "genome.fa.fai", "small.safetensors"):
        (tmp_path / name).symlink_to(TEST_DATA / name)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def task(block, **variables):
        script, _ = render(block, {"task.ext.args": "", "task.ext.prefix": None, "task.cpus": 1,
                                   "task.accelerator": None, **variables})
        result = subprocess.run(["bash", "-eu", "-c", script], cwd=tmp_path, env=environment, capture_output=True,
                                text=True, timeout=1800)  # only a hang guard
        assert result.returncode == 0, f"{script}\n{result.stderr}"

    task(split["script"], vcf="variants.vcf")
    parts = sorted(path.name.split(".")[0] for path in (tmp_path / "parts").iterdir())
    assert parts == [f"{n:06d}" for n in range(1, 10)]  # one per contig, chr1 to chr9
    for part in parts:
        task(score["script"], model="small.safetensors", reference="genome.fa", vcf=f"parts/{part}.vcf.gz",
             **{"meta.id": f"sample.{part}"})
    task(concat["script"], vcfs=[f"sample.{part}.vcf.gz" for part in parts],
         tsvs=[f"sample.{part}.tsv" for part in parts], **{"meta.id": "sample"})
    task(score["script"], model="small.safetensors", reference="genome.fa", vcf="variants.vcf", **{"meta.id": "one"})
    assert gzip.decompress((tmp_path / "sample.vcf.gz").read_bytes()) == \
        gzip.decompress((tmp_path / "one.vcf.gz").read_bytes())
    assert (tmp_path / "sample.tsv").read_text() == (tmp_path / "one.tsv").read_text()
    assert (tmp_path / "sample.vcf.gz.tbi").exists()


def test_the_pipeline_collects_versions_from_the_topic_and_sends_qc_to_multiqc():
    pipeline = (PIPELINE / "main.nf").read_text()
    assert "channel.topic('versions')" in pipeline and not re.search(r"['\"]versions\.yml", pipeline)
    assert re.search(r"collectFile\(.*name: '\w+_mqc_versions\.yml'", pipeline, re.S)
    call = pipeline[re.search(r"^    MULTIQC \(", pipeline, re.M).end():]
    assert "GENOTOOLS_QC.out.multiqc" in call and "ch_versions_yml" in call
    qc = parse_module((MODULES / "qc" / "main.nf").read_text())
    assert any(emit == "multiqc" and path.endswith("_mqc.json") for _, path, emit in qc["output"])
    multiqc = (PIPELINE / "modules" / "nf-core" / "multiqc" / "main.nf").read_text()
    assert "topic: versions" not in multiqc, "MULTIQC reads the topic: reporting to it would never end"


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


def _config_block(text, name, indent=0):
    pad = " " * indent
    return re.search(rf"^{pad}{name} \{{\n(.*?)^{pad}\}}", text, re.M | re.S)[1]


def test_the_pipeline_has_the_profiles_users_need():
    config = (PIPELINE / "nextflow.config").read_text()
    profiles = _config_block(config, "profiles")
    assert {"conda", "mamba", "docker", "singularity", "apptainer", "wave", "gpu", "slurm", "awsbatch", "googlebatch",
            "test"} <= \
        set(re.findall(r"^    (\w+) \{", profiles, re.M))
    assert "conda.enabled          = true" in _config_block(profiles, "conda", 4)
    assert "apptainer.enabled      = true" in _config_block(profiles, "apptainer", 4)
    assert re.search(r"wave\.enabled\s+= true", _config_block(profiles, "wave", 4))
    gpu = _config_block(profiles, "gpu", 4)
    assert re.search(r"withLabel: process_gpu \{\s*containerOptions = .*'--nv'.*'--gpus all'", gpu, re.S)
    process = _config_block(config, "process")
    assert re.search(r"withLabel: process_gpu \{\s*accelerator = \{ workflow\.profile\.tokenize\(','\)\.contains\("
                     r"'gpu'\) \? 1 : null \}", process)
    test = _config_block(profiles, "test", 4)
    for path in re.findall(r'"\$\{projectDir\}/([^"]+)"', test):
        assert (PIPELINE / path).is_file()
    assert "id 'nf-schema@" in _config_block(config, "plugins")


def test_a_task_that_runs_out_of_memory_or_time_runs_again_with_more():
    process = _config_block((PIPELINE / "nextflow.config").read_text(), "process")
    strategy = re.search(r"errorStrategy = \{ task\.exitStatus in \(\((\d+)\.\.(\d+)\)(.*?)\) \? 'retry' : 'finish' \}",
                         process)
    assert strategy and int(strategy[1]) <= 137 and int(strategy[2]) >= 143  # SIGKILL (memory), Slurm's 140, SIGTERM
    assert int(re.search(r"maxRetries\s+= (\d+)", process)[1]) >= 1
    for label in ("process_single", "process_low", "process_medium", "process_high"):
        block = re.search(rf"withLabel: {label} \{{\n(.*?)\n    \}}", process, re.S)[1]
        assert re.search(r"memory = \{ [\d.]+\.GB\s*\* task\.attempt \}", block)
        assert re.search(r"time\s+= \{ [\d.]+\.h\s*\* task\.attempt \}", block)


# --- the pipeline's parameters and samplesheet schemas (nf-schema) ---

def _schema(name):
    return json.loads((PIPELINE / name).read_text())


def _config_params():
    """{param: default} of nextflow.config's params block (null as None, quoted strings unquoted)."""
    block = _config_block((PIPELINE / "nextflow.config").read_text(), "params")
    params = {}
    for name, value in re.findall(r"^\s*(\w+)\s*=\s*(\S+)", block, re.M):
        params[name] = None if value == "null" else value.strip("'\"") if value[0] in "'\"" else json.loads(value)
    return params


def _manifest():
    block = _config_block((PIPELINE / "nextflow.config").read_text(), "manifest")
    return dict(re.findall(r"^\s*(\w+)\s*=\s*'([^']*)'", block, re.M))


def nf_core_schema_lint(schema):
    """nf-core's PipelineSchema.validate_schema and check_for_input_mimetype: JSON Schema 2020-12, every group in
    $defs referenced from allOf and every reference resolving, no parameter twice, `input` in input_output_options
    with a mimetype. The parameters."""
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    draft_2020_12().check_schema(schema)
    assert "defs" not in schema and "definitions" not in schema
    params = list(schema.get("properties", {}))
    references = [entry["$ref"] for entry in schema.get("allOf", [])]
    for group, subschema in schema.get("$defs", {}).items():
        assert f"#/$defs/{group}" in references, f"{group} is not in allOf"
        for name in subschema.get("properties", {}):
            assert name not in params, f"{name} is defined twice"
            params.append(name)
    for reference in references:
        _, defs, group = reference.split("/")
        assert group in schema[defs]
    assert params, "no parameters"
    assert "input" in schema["$defs"]["input_output_options"]["properties"]
    assert schema["$defs"]["input_output_options"]["properties"]["input"].get("mimetype")
    return params


def test_the_parameter_schema_is_one_nf_core_and_nf_schema_accept():
    schema = _schema("nextflow_schema.json")
    params = nf_core_schema_lint(schema)
    config = _config_params()
    assert sorted(params) == sorted(config), "every parameter in nextflow.config is in the schema, and no other"
    for group in schema["$defs"].values():
        for name, parameter in group["properties"].items():
            assert parameter.get("description"), name
            assert parameter.get("default") == config[name], f"{name}: schema default differs from nextflow.config"
            if parameter.get("format") in ("file-path", "directory-path"):
                assert parameter["type"] == "string"
    manifest = _manifest()
    assert schema["title"] == f"{manifest['name']} pipeline parameters"
    assert schema["description"] == manifest["description"]
    raw = "https://raw.githubusercontent.com/"
    assert schema["$id"] == f"{raw}{manifest['name']}/{manifest['defaultBranch']}/nextflow/nextflow_schema.json"
    samplesheet = schema["$defs"]["input_output_options"]["properties"]["input"]
    assert (PIPELINE / samplesheet["schema"]).is_file() and samplesheet["mimetype"] == "text/csv"


def _samplesheet_rows(path):
    """The samplesheet as nf-schema hands it to the schema: one object per row, without its empty cells."""
    with open(path, newline="") as handle:
        return [{key: value for key, value in row.items() if value} for row in csv.DictReader(handle)]


def _samplesheet_validator():
    schema = _schema("assets/schema_input.json")
    checker = jsonschema.FormatChecker()

    @checker.checks("file-path")
    def exists(value):  # nf-schema resolves a relative path against the launch directory: the repository root
        return (ROOT / value).is_file()
    return draft_2020_12()(schema, format_checker=checker)


def test_the_samplesheet_schema_is_one_nf_schema_reads():
    schema = _schema("assets/schema_input.json")
    draft_2020_12().check_schema(schema)
    assert schema["type"] == "array" and schema["items"]["type"] == "object"
    properties = schema["items"]["properties"]
    assert [name for name, p in properties.items() if "meta" in p] == ["sample"]
    assert properties["sample"]["meta"] == ["id"]
    assert set(schema["items"]["required"]) == {"sample", "regions"}
    pipeline = (PIPELINE / "main.nf").read_text()
    assert 'samplesheetToList(params.input, "${projectDir}/assets/schema_input.json")' in pipeline
    # samplesheetToList gives [ meta, <the other columns in the schema's order> ]
    closure = re.search(r"ch_samples\.map \{ meta, (\w+), (\w+) ->", pipeline)
    assert closure and [name.lstrip("_") for name in closure.groups()] == [n for n in properties if n != "sample"]


def test_the_test_samplesheet_is_valid_and_a_bad_one_is_refused():
    validator = _samplesheet_validator()
    rows = _samplesheet_rows(PIPELINE / "assets" / "samplesheet_test.csv")
    assert rows and not list(validator.iter_errors(rows))
    for bad in ({"sample": "has space", "regions": "test-data/regions_small.bed"},
                {"sample": "s", "regions": "test-data/regions_missing.bed"},
                {"sample": "s", "regions": "test-data/expression.tsv"},
                {"sample": "s", "regions": "test-data/regions_small.bed", "vcf": "test-data/cohort_phenotypes.tsv"},
                {"sample": "s"}):
        assert list(validator.iter_errors([bad])), f"{bad} passes"


@pytest.fixture(scope="session")
def nf_core_template(tmp_path_factory, pytestconfig):
    """nf-core's pipeline template (nf_core/pipeline-template/ in the nf-core wheel on PyPI), downloaded once into
    pytest's cache; skipped where PyPI cannot be reached."""
    cache = getattr(pytestconfig, "cache", None)
    cache = cache.mkdir("nf-core") if cache else tmp_path_factory.mktemp("nf-core")
    wheel = next(cache.glob(f"nf_core-{NF_CORE_VERSION}-*.whl"), None)
    if wheel is None:
        try:
            result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest",
                                     str(cache), f"nf-core=={NF_CORE_VERSION}"], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            pytest.skip("PyPI is too slow to fetch the nf-core template")
        wheel = next(cache.glob(f"nf_core-{NF_CORE_VERSION}-*.whl"), None)
        if result.returncode or wheel is None:
            pytest.skip(f"cannot fetch nf-core=={NF_CORE_VERSION} from PyPI")

    def read(name):
        """A template schema with its Jinja removed: every optional part kept, {{ variables }} as placeholders."""
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(f"nf_core/pipeline-template/{name}").decode()
        return json.loads(re.sub(r"\{\{.*?\}\}", "X", re.sub(r"\{%-?.*?-?%\}", "", text)))
    return read


def test_the_schemas_have_the_structure_of_nf_core_pipeline_template(nf_core_template):
    template, ours = nf_core_template("nextflow_schema.json"), _schema("nextflow_schema.json")
    nf_core_schema_lint(template)  # the checks above pass the template itself
    assert set(template) <= set(ours)
    template_io = template["$defs"]["input_output_options"]
    ours_io = ours["$defs"]["input_output_options"]
    assert set(template_io) == set(ours_io) and template_io["required"] == ours_io["required"]
    for name in ("input", "outdir"):
        assert set(template_io["properties"][name]) == set(ours_io["properties"][name])
        for key in ("type", "format", "exists", "mimetype"):
            assert template_io["properties"][name].get(key) == ours_io["properties"][name].get(key)
    keywords = {key for group in template["$defs"].values() for p in group["properties"].values() for key in p}
    assert {key for group in ours["$defs"].values() for p in group["properties"].values() for key in p} <= keywords
    template_input, ours_input = nf_core_template("assets/schema_input.json"), _schema("assets/schema_input.json")
    assert set(template_input) <= set(ours_input) and template_input["type"] == ours_input["type"]
    sample = template_input["items"]["properties"]["sample"]
    assert ours_input["items"]["properties"]["sample"] == sample
    file_keys = set(template_input["items"]["properties"]["fastq_1"])
    for name, column in ours_input["items"]["properties"].items():
        if name != "sample":
            assert set(column) == file_keys, name
