"""The Galaxy tool XML in galaxy/ follows the IUC conventions and fits its tool's command line.

A real Galaxy server runs every tool test, and planemo lints the files, in tests/galaxy-test.sh (make galaxy-test);
these checks are the fast ones.
"""

import os
import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from Cheetah.Template import Template

from genotools import __version__
from genotools.sequence.variants import SCORES
from genotools.tools.wrappers import ROOT, tools
from genotools.wrappers import galaxy
from genotools.wrappers.model import CPU_IMAGE, DISTRIBUTION, GPU_IMAGE

GALAXY = ROOT / "galaxy"
TEST_DATA = GALAXY / "test-data"
TOOLS = {tool.name: tool for tool in tools()}
REFERENCE_TOOLS = [name for name, tool in TOOLS.items() if any(o.flag == "--reference" for o in tool.inputs)]


def _xml(name):
    return ET.parse(GALAXY / f"{name}.xml").getroot()


def _command(root):
    return root.find("command").text


@pytest.mark.parametrize("name", TOOLS)
def test_every_tool_has_one_xml_with_the_shared_versions_and_requirements(name):
    root = _xml(name)
    assert root.get("id") == f"genotools_{name.replace('-', '_')}"
    assert root.get("version") == "@TOOL_VERSION@+galaxy@VERSION_SUFFIX@"
    assert root.find("macros/import").text == "macros.xml"
    assert root.find("expand").get("macro") == ("requirements_gpu" if TOOLS[name].gpu else "requirements")
    assert root.find("command").get("detect_errors") == "exit_code"


def test_the_macros_hold_the_version_the_profile_the_package_and_the_cpu_container():
    macros = ET.parse(GALAXY / "macros.xml").getroot()
    tokens = {token.get("name"): token.text for token in macros.iter("token")}
    assert tokens["@TOOL_VERSION@"] == next(iter(TOOLS.values())).version
    assert tokens["@VERSION_SUFFIX@"] == "0"
    assert tokens["@PROFILE@"] == "25.0"  # the first Galaxy with the safetensors datatype
    requirements = [xml.find("requirements") for xml in macros.iter("xml") if xml.find("requirements") is not None]
    assert len(requirements) == 2
    for block in requirements:
        packages = [(r.get("type"), r.text, r.get("version")) for r in block.iter("requirement")]
        assert packages == [("package", DISTRIBUTION, "@TOOL_VERSION@")]
        # Every server, with a GPU or not, runs the BioContainers image; only a GPU destination swaps in the CUDA one.
        assert [(c.get("type"), c.text) for c in block.iter("container")] == [("docker", CPU_IMAGE)]
    assert GPU_IMAGE not in "".join(c.text for c in macros.iter("container"))


@pytest.mark.parametrize("name", TOOLS)
def test_every_parameter_is_tied_to_its_command_line_option(name):
    root, tool = _xml(name), TOOLS[name]
    selectors = {when.get("name") for when in root.iter("conditional")}
    for param in root.find("inputs").iter("param"):
        if param.get("argument") is None:  # only the selector of a conditional has no option behind it
            assert param in [c.find("param") for c in root.iter("conditional")], ET.tostring(param)
            continue
        option = next(o for o in tool.options if o.flag == param.get("argument"))
        assert param.get("name", option.name) == option.name
    flags = {param.get("argument") for param in root.find("inputs").iter("param")} - {None}
    assert flags == {o.flag for o in tool.inputs + tool.parameters}
    references = {galaxy.REFERENCE_SOURCE} if name in REFERENCE_TOOLS else set()
    assert selectors == {group["name"] for group in tool.input_groups} | references


@pytest.mark.parametrize("name", TOOLS)
def test_every_cheetah_variable_is_quoted_and_names_an_input_or_output(name):
    root = _xml(name)
    names = {p.get("name") or p.get("argument")[2:].replace("-", "_") for p in root.find("inputs").iter("param")}
    names |= {e.get("name") for e in root.find("inputs").iter() if e.tag in ("conditional", "repeat")}
    names |= {data.get("name") for data in root.find("outputs")} | {"item"}
    names |= set(re.findall(r"#set \$(\w+)", _command(root)))  # what the command defines itself
    booleans = {p.get("argument") for p in root.find("inputs").iter("param") if p.get("type") == "boolean"}
    for line in _command(root).splitlines():
        line = line.strip()
        for variable in re.findall(r"(?<![\\\w])\$([\w.]+)", line):
            assert variable.split(".")[0] in names, f"{name}: ${variable} is not an input or output"
        if line.startswith("#") or line.lstrip("$").replace(".", "_") in {b[2:].replace("-", "_") for b in booleans}:
            continue  # directives, and booleans that expand to their own flag
        assert not re.search(r"(?<![\\'])\$[\w.]+(?!')", line), f"{name}: unquoted variable in {line!r}"


def test_a_multiple_dataset_input_gives_each_dataset_after_its_option_in_order():
    values = {"model": "model.safetensors", "omics": ["mutations.tsv", "expression.tsv"], "drugs": "drugs.tsv",
              "pairs": None, "orientation": "auto", "batch_size": 4096, "precision": "fp32", "output": "out.tsv"}
    command = str(Template(_command(_xml("drug-response-predict")), searchList=[values])).split()
    assert [command[i + 1] for i, word in enumerate(command) if word == "--omics"] == ["'mutations.tsv'",
                                                                                      "'expression.tsv'"]


@pytest.mark.parametrize("name", TOOLS)
def test_the_platform_sets_threads_quiet_and_the_device(name):
    command, tool = _command(_xml(name)), TOOLS[name]
    assert "--threads \\${GALAXY_SLOTS:-1}" in command
    assert "--quiet" in command
    if "device" in tool.runtime:
        assert ("--device auto" if tool.gpu else "--device cpu") in command


def test_gpu_tools_declare_a_gpu_that_they_can_do_without():
    assert any(tool.gpu for tool in TOOLS.values())
    macros = ET.parse(GALAXY / "macros.xml").getroot()
    gpu = next(xml for xml in macros.iter("xml") if xml.get("name") == "requirements_gpu")
    resources = {r.get("type"): r.text for r in gpu.iter("resource")}
    assert resources == {"cuda_device_count_min": "0", "cuda_device_count_max": "1"}


class _ToolId:
    def __init__(self, tool_id):
        self.id = tool_id


def test_the_readme_gives_the_tpv_rule_that_runs_the_gpu_tools_in_the_cuda_image_on_a_gpu():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Galaxy, CWL and Nextflow"):]
    section = section[:section.index("\n## ", 1)]
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", section, re.S) if "container_id_override" in b)
    rule = yaml.safe_load(block)
    (pattern, entity), = rule["tools"].items()
    ids = {f"toolshed.g2.bx.psu.edu/repos/genotools/genotools_{name.replace('-', '_')}/"
           f"genotools_{name.replace('-', '_')}/{__version__}+galaxy0": tool.gpu for name, tool in TOOLS.items()}
    assert {tool_id: bool(re.match(pattern, tool_id)) for tool_id in ids} == ids
    destination = next(d for d in rule["destinations"].values() if "gpu" in d["scheduling"]["require"])
    params = {key: value for step in destination["rules"] for key, value in step["params"].items()}
    assert all(eval(step["if"], {}, {"tool": _ToolId(tool_id)}) for tool_id in ids for step in destination["rules"])
    version = "{tool.version.split('+')[0]}"  # TPV fills it in from the tool's version
    assert params["docker_container_id_override"].replace(version, __version__) == GPU_IMAGE
    assert params["singularity_container_id_override"].replace(version, __version__) == f"docker://{GPU_IMAGE}"
    assert destination["params"]["docker_run_extra_arguments"] == "--gpus all"
    assert destination["params"]["singularity_run_extra_arguments"] == "--nv"


@pytest.mark.parametrize("name", TOOLS)
def test_outputs_have_the_spec_formats_and_folders_come_from_the_working_directory(name):
    root, tool = _xml(name), TOOLS[name]
    outputs = {data.get("name"): data for data in root.find("outputs")}
    for option in tool.outputs:
        if option.contents:
            assert f"{option.flag} {option.name}" in _command(root)
            for key, content in option.contents.items():
                assert outputs[key].get("format") == content["format"]
                assert outputs[key].get("from_work_dir") == f"{option.name}/{content['path']}"
        elif option.collection:
            assert f"{option.flag} {option.name}" in _command(root)
            assert outputs[option.name].tag == "collection"
            discover = outputs[option.name].find("discover_datasets")
            assert (discover.get("directory"), discover.get("format")) == (option.name, option.collection)
        else:
            assert outputs[option.name].get("format") == option.format
            assert f"{option.flag} '${option.name}'" in _command(root)


@pytest.mark.parametrize("name", TOOLS)
def test_every_spec_test_is_a_galaxy_test_on_files_in_galaxy_test_data(name):
    root, tool = _xml(name), TOOLS[name]
    tests = root.findall("tests/test")
    assert len(tests) == len(tool.tests) > 0
    formats = {o.name: o.format for o in tool.inputs}
    for test, spec in zip(tests, tool.tests):
        assert test.get("expect_num_outputs") == str(len(root.find("outputs")))
        cached = {c.find("param").get("value") == "cached" for c in test.iter("conditional")
                  if c.get("name") == galaxy.REFERENCE_SOURCE} == {True}
        for param in test.iter("param"):
            if param.get("name") not in formats:
                continue
            if param.get("name") == "reference" and cached:  # a built-in genome of the test data table
                assert param.get("value") == galaxy.genome_name(spec["options"]["reference"])
                assert param.get("ftype") is None
                continue
            if formats[param.get("name")] == "model":  # an installed model: a folder the test data table lists
                assert param.get("value") in (TEST_DATA / f"{galaxy.MODEL_TABLE}.loc").read_text().split()
                assert (TEST_DATA / param.get("value") / "config.json").is_file() and param.get("ftype") is None
                continue
            for value in param.get("value").split(","):
                assert (TEST_DATA / value).is_file()
            assert param.get("ftype") == formats[param.get("name")]
        own = spec.get("galaxy", {}).get("outputs", {})
        checked = [*test.iter("output"), *test.iter("output_collection")]
        assert {output.get("name") for output in checked} == set(spec["outputs"]) | set(own)
        for output in test.iter("output"):
            output_name = output.get("name")
            expectations = [*spec["outputs"].get(output_name, {}).items(), *own.get(output_name, {}).items()]
            count = sum(len(value) if isinstance(value, list) and kind != "h5_keys" else 1
                        for kind, value in expectations)
            assert len(output.find("assert_contents")) == count
        for collection in test.iter("output_collection"):
            assert collection.get("count") == str(spec["outputs"][collection.get("name")]["count"])


def test_galaxy_assertions_render_as_galaxy_writes_them():
    lines = galaxy._assertions({"has_n_columns": {"n": 8, "comment": "##"}, "has_n_lines": 3,
                                "has_json_property_with_value": [{"property": "status", "value": "warn"},
                                                                 {"property": "n", "value": 2}],
                                "has_image_width": 600, "h5_keys": ["onehot", "labels"]})
    assert lines == ['<has_n_columns n="8" comment="##"/>', '<has_n_lines n="3"/>',
                     '<has_json_property_with_value property="status" value="&quot;warn&quot;"/>',
                     '<has_json_property_with_value property="n" value="2"/>', '<has_image_width width="600"/>',
                     '<has_h5_keys keys="onehot,labels"/>']


def test_tests_check_more_than_that_an_output_exists():
    kinds = {kind for tool in TOOLS.values() for test in tool.tests
             for expectations in test.get("galaxy", {}).get("outputs", {}).values() for kind in expectations}
    assert {"has_n_columns", "has_json_property_with_value", "has_image_width", "has_image_height",
            "has_image_channels"} <= kinds
    compressed = [output for name in TOOLS for output in _xml(name).iter("output")
                  if output.get("ftype") in galaxy.COMPRESSED]
    assert compressed and all(output.get("decompress") == "true" for output in compressed)


def test_galaxy_test_data_are_links_into_test_data_that_planemo_ships_as_files():
    """planemo shed_upload copies the file a link points to, but nothing of a linked folder: so galaxy/test-data
    is a folder of links, one per file of test-data/ that a Galaxy test uses, a folder of links for each test model
    (a folder of test-data/), and the test data tables' .loc files."""
    assert TEST_DATA.is_dir() and not TEST_DATA.is_symlink()
    used = {value for name in TOOLS for test in _xml(name).iter("test") for param in test.iter("param")
            if param.get("ftype") for value in param.get("value").split(",")}
    references = galaxy.test_references(TOOLS.values())
    wanted = used | set(references) | {f"{path}.fai" for path in references}
    links = {path.name for path in TEST_DATA.iterdir() if path.is_symlink()}
    assert links == wanted
    for name in links:
        assert os.readlink(TEST_DATA / name) == f"../../test-data/{name}"
        assert (TEST_DATA / name).resolve() == (ROOT / "test-data" / name).resolve()
    models = {line.split("\t")[0] for line in (TEST_DATA / f"{galaxy.MODEL_TABLE}.loc").read_text().splitlines()
              if line and not line.startswith("#")}
    assert {path.name for path in TEST_DATA.iterdir() if not path.is_symlink()} == {
        "fasta_indexes.loc", f"{galaxy.MODEL_TABLE}.loc", *models}
    for model in models:
        files = sorted(path.name for path in (ROOT / "test-data" / model).iterdir())
        assert sorted(path.name for path in (TEST_DATA / model).iterdir()) == files
        assert all(os.readlink(TEST_DATA / model / name) == f"../../../test-data/{model}/{name}" for name in files)


def test_the_installed_models_are_a_data_table_of_folders_and_weights():
    for suffix, loc in (("sample", "tool-data/genotools_protein_models.loc"),
                        ("test", "${__HERE__}/test-data/genotools_protein_models.loc")):
        table = ET.parse(GALAXY / f"tool_data_table_conf.xml.{suffix}").getroot().findall("table")[1]
        assert table.get("name") == galaxy.MODEL_TABLE
        assert [c.strip() for c in table.find("columns").text.split(",")] == ["value", "name", "path"]
        assert table.find("file").get("path") == loc
    assert "tiny_esm2\ttiny_esm2 (genotools test data)\t${__HERE__}/tiny_esm2" in (
        TEST_DATA / f"{galaxy.MODEL_TABLE}.loc").read_text()


def test_the_built_in_genomes_are_the_fasta_indexes_data_table():
    for suffix, loc in (("sample", "tool-data/fasta_indexes.loc"),
                        ("test", "${__HERE__}/test-data/fasta_indexes.loc")):
        table = ET.parse(GALAXY / f"tool_data_table_conf.xml.{suffix}").getroot().find("table")
        assert table.get("name") == "fasta_indexes"
        assert [c.strip() for c in table.find("columns").text.split(",")] == ["value", "dbkey", "name", "path"]
        assert table.find("file").get("path") == loc
    assert (GALAXY / "tool-data" / "fasta_indexes.loc.sample").is_file()
    rows = [line.split("\t") for line in (TEST_DATA / "fasta_indexes.loc").read_text().splitlines()
            if line and not line.startswith("#")]
    assert [row[0] for row in rows] == [galaxy.genome_name(path) for path in galaxy.test_references(TOOLS.values())]
    for row in rows:
        path = row[3].replace("${__HERE__}", str(TEST_DATA))
        assert len(row) == 4 and os.path.isfile(path) and os.path.isfile(f"{path}.fai")


@pytest.mark.parametrize("name", REFERENCE_TOOLS)
def test_the_reference_comes_from_the_history_or_the_built_in_genomes(name):
    root = _xml(name)
    sources = [c for c in root.find("inputs").iter("conditional") if c.get("name") == galaxy.REFERENCE_SOURCE]
    assert sources
    for source in sources:
        cases = {when.get("value"): when.find("param") for when in source.findall("when")}
        assert [o.get("value") for o in source.find("param").findall("option")] == ["history", "cached"]
        assert cases["history"].get("type") == "data" and cases["history"].get("format") == "fasta"
        cached = cases["cached"]
        assert cached.get("type") == "select" and cached.find("options").get("from_data_table") == "fasta_indexes"
        assert cached.find("validator").get("type") == "no_options"
        assert {p.get("argument") for p in cases.values()} == {"--reference"}


class _Genome(str):
    """A select of a data table in a Cheetah command: its value, and its row under .fields."""
    fields = {"path": "/data/genomes/hg38/hg38.fa"}


def test_a_built_in_genome_is_given_where_it_lies_and_a_history_one_is_linked():
    template = _command(_xml("score-variants"))
    base = {"model": "m.safetensors", "vcf": "v.vcf", "scores": "ref,alt", "tasks": "", "ref_mismatch": "skip",
            "batch_size": 256, "reverse_complement": "", "precision": "fp32", "output": "o", "tsv": "t",
            "summary": "s", "plot": "p"}
    cached = str(Template(template, searchList=[dict(base, reference_source={
        "reference_source_selector": "cached", "reference": _Genome("hg38")})]))
    assert "--reference '/data/genomes/hg38/hg38.fa'" in cached and "ln -s" not in cached
    history = str(Template(template, searchList=[dict(base, reference_source={
        "reference_source_selector": "history", "reference": "/galaxy/files/dataset_1.dat"})]))
    assert "ln -s '/galaxy/files/dataset_1.dat' reference.fa &&" in history
    assert "--reference reference.fa" in history and ".fields" not in history
    assert "--scores 'ref,alt'" in history


def test_vcf_inputs_take_vcf_and_bcf_and_the_shared_table_reader_takes_csv():
    for tool in TOOLS.values():
        params = {p.get("argument"): p for p in _xml(tool.name).find("inputs").iter("param") if p.get("argument")}
        for option in tool.inputs:
            if option.flag == "--reference" or option.format == "model":  # selects of data tables, or datasets
                continue
            formats = params[option.flag].get("format").split(",")
            if option.format in ("vcf", "vcf_bgzip"):
                assert set(formats) == {"vcf", "vcf_bgzip", "bcf"}
            elif option.format == "tabular":
                assert formats == (["tabular", "csv"] if option.name in galaxy.CSV_TABLES else ["tabular"])
    tables = {o.name for tool in TOOLS.values() for o in tool.inputs if o.format == "tabular"}
    assert galaxy.CSV_TABLES <= tables  # no name that no tool has


def test_models_are_safetensors_datasets():
    models = [p for name in TOOLS for p in _xml(name).iter("param") if p.get("type") == "data"
              and any(word in p.get("label", "") for word in ("model", "checkpoint"))]
    assert models and all(p.get("format") == "safetensors" for p in models)
    written = [d for name in TOOLS for d in _xml(name).find("outputs") if "model" in d.get("label", "").lower()]
    assert written and all(d.get("format") == "safetensors" for d in written)


def test_free_text_is_checked_and_keeps_the_characters_it_needs():
    texts = {(name, p.get("argument")): p for name in TOOLS for p in _xml(name).find("inputs").iter("param")
             if p.get("type") == "text"}
    assert set(galaxy.FREE_TEXT) <= {o.name for tool in TOOLS.values() for o in tool.parameters if o.kind == "text"}
    for tool in TOOLS.values():
        for option in tool.parameters:
            if option.name not in galaxy.FREE_TEXT:
                continue
            param = texts[tool.name, option.flag]
            regex = param.find("validator[@type='regex']").text
            given = [v for test in tool.tests for v in [test["options"].get(option.name)] if v is not None]
            defaults = option.default if isinstance(option.default, list) else [option.default]
            defaults = [value for value in defaults if value]  # an empty default is no value: the form allows it
            for value in [*defaults, *given]:  # the CLI's defaults and the tests' values pass the form
                for item in value if isinstance(value, list) else [value]:
                    assert re.match(regex, str(item)), (tool.name, option.flag, item)
    param = texts["train", "--param"]
    assert re.match(param.find("validator").text, 'channels=[64,64]') and not re.match(param.find("validator").text,
                                                                                     "dropout")
    added = {add.get("value") for add in param.iter("add")}
    assert {"[", "]", '"'} <= added and "'" not in added  # JSON lists and strings, never the command's quote
    required = texts["associate-scan", "--phenotype"]
    assert required.find("validator").get("type") == "empty_field"


def test_a_comma_separated_list_of_fixed_values_is_a_multiple_select():
    assert galaxy.SUBSETS["scores"] == SCORES
    param = next(p for p in _xml("score-variants").iter("param") if p.get("argument") == "--scores")
    assert (param.get("type"), param.get("multiple"), param.get("optional")) == ("select", "true", "false")
    options = {o.get("value"): o.get("selected") == "true" for o in param.findall("option")}
    assert options == {score: True for score in SCORES}  # the CLI's default: every score
    assert "--scores '$scores'" in _command(_xml("score-variants"))


@pytest.mark.parametrize("name", TOOLS)
def test_help_is_restructured_text_with_the_command_line_example(name):
    root, tool = _xml(name), TOOLS[name]
    help_text = root.find("help").text
    assert "**What it does**" in help_text
    assert f"::\n\n    {tool.example}\n" in help_text
    citations = [c.text for c in root.find("expand[@macro='citations']")]
    assert citations == tool.citations


def test_the_tool_shed_file_describes_a_suite_of_one_repository_per_tool():
    shed = yaml.safe_load((GALAXY / ".shed.yml").read_text())
    assert (shed["name"], shed["owner"], shed["type"]) == ("genotools", "genotools", "unrestricted")
    assert shed["homepage_url"].startswith("https://") and shed["remote_repository_url"].endswith("/galaxy")
    assert shed["categories"] and shed["description"]
    assert all(f"{tool.label}: {tool.description}" in shed["long_description"] for tool in TOOLS.values())
    assert shed["auto_tool_repositories"]["name_template"] == "{{ tool_id }}"
    suite = shed["suite"]
    assert (suite["name"], suite["type"]) == ("suite_genotools", "repository_suite_definition")
    assert suite["description"] and suite["long_description"]


def test_galaxy_test_runs_on_galaxy_test_data_with_the_test_data_table():
    script = (ROOT / "tests" / "galaxy-test.sh").read_text()
    assert '--test-data "$ROOT/galaxy/test-data"' in script
    assert "tool_data_table_config_path: $ROOT/galaxy/tool_data_table_conf.xml.test" in script
    assert "--with-reference-data" in script  # else galaxy-tool-test skips the tests of a built-in genome
