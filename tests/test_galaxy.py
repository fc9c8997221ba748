"""The Galaxy tool XML in galaxy/ follows the IUC conventions and fits its tool's command line.

A real Galaxy server runs every tool test, and planemo lints the files, in tests/galaxy-test.sh (make galaxy-test);
these checks are the fast ones.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from Cheetah.Template import Template

from genotools.tools.wrappers import ROOT, tools
from genotools.wrappers.model import CPU_IMAGE, GPU_IMAGE

GALAXY = ROOT / "galaxy"
TOOLS = {tool.name: tool for tool in tools()}


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


def test_the_macros_hold_the_version_and_the_containers_of_the_dockerfiles():
    macros = ET.parse(GALAXY / "macros.xml").getroot()
    tokens = {token.get("name"): token.text for token in macros.iter("token")}
    assert tokens["@TOOL_VERSION@"] == next(iter(TOOLS.values())).version
    assert tokens["@VERSION_SUFFIX@"] == "0"
    containers = {xml.get("name"): xml.find("requirements/container").text for xml in macros.iter("xml")
                  if xml.find("requirements") is not None}
    assert containers == {"requirements": CPU_IMAGE, "requirements_gpu": GPU_IMAGE}
    requirement = macros.find("xml/requirements/requirement")
    assert (requirement.text, requirement.get("version")) == ("genotools", "@TOOL_VERSION@")


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
    assert selectors == {group["name"] for group in tool.input_groups}


@pytest.mark.parametrize("name", TOOLS)
def test_every_cheetah_variable_is_quoted_and_names_an_input_or_output(name):
    root = _xml(name)
    names = {p.get("name") or p.get("argument")[2:].replace("-", "_") for p in root.find("inputs").iter("param")}
    names |= {e.get("name") for e in root.find("inputs").iter() if e.tag in ("conditional", "repeat")}
    names |= {data.get("name") for data in root.find("outputs")} | {"item"}
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
def test_every_spec_test_is_a_galaxy_test_on_files_in_test_data(name):
    root, tool = _xml(name), TOOLS[name]
    tests = root.findall("tests/test")
    assert len(tests) == len(tool.tests) > 0
    formats = {o.name: o.format for o in tool.inputs}
    for test, spec in zip(tests, tool.tests):
        assert test.get("expect_num_outputs") == str(len(root.find("outputs")))
        for param in test.iter("param"):
            if param.get("name") in formats:
                assert (ROOT / "test-data" / param.get("value")).is_file()
                assert param.get("ftype") == formats[param.get("name")]
        checked = [*test.iter("output"), *test.iter("output_collection")]
        assert {output.get("name") for output in checked} == set(spec["outputs"])
        for output in test.iter("output"):
            assert len(output.find("assert_contents")) == len(spec["outputs"][output.get("name")])
        for collection in test.iter("output_collection"):
            assert collection.get("count") == str(spec["outputs"][collection.get("name")]["count"])


@pytest.mark.parametrize("name", TOOLS)
def test_help_is_restructured_text_with_the_command_line_example(name):
    root, tool = _xml(name), TOOLS[name]
    help_text = root.find("help").text
    assert "**What it does**" in help_text
    assert f"::\n\n    {tool.example}\n" in help_text
    citations = [c.text for c in root.find("expand[@macro='citations']")]
    assert citations == tool.citations


def test_the_tool_shed_file_names_the_suite():
    shed = (GALAXY / ".shed.yml").read_text()
    assert re.search(r"^name: genotools$", shed, re.M)
    for tool in TOOLS.values():
        assert tool.label in shed
