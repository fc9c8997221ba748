"""The bioconda recipe (recipes/genotools-dl/meta.yaml), the licence and the citation file.

Neither conda-build nor rattler-build installs from PyPI, so the recipe is rendered here as conda-build would (its
Jinja with bioconda's context as stubs), checked for what bioconda's linter checks that needs no network, checked
against setup.py, tools/__init__.py (TOOLS) and the installed distribution, and its test commands are run against
the installed commands."""

import ast
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import jinja2
import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement

from genotools import __version__
from genotools.tools import TOOLS
from genotools.wrappers.model import CPU_IMAGE, DISTRIBUTION

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "recipes" / DISTRIBUTION / "meta.yaml"
# PyPI name -> conda-forge name, where they differ (matplotlib-base: matplotlib without a Qt backend).
CONDA_NAMES = {"torch": "pytorch", "matplotlib": "matplotlib-base"}
# The build string of every noarch: python package that bioconda builds, then its build number.
NOARCH_PYTHON_HASH = "pyhdfd78af"


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (bioconda's lint duplicate_key_in_meta_yaml)."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = {key for key in keys if keys.count(key) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(None, None, f"keys given twice: {duplicates}", node.start_mark)
        return super().construct_mapping(node, deep)


def render(text):
    """The recipe as conda-build renders it: Jinja with conda-build's context (stubs that say how they were called),
    then YAML. An undefined name is an error, as it is for conda-build."""
    pins = []

    def pin_subpackage(name, max_pin="x.x.x", exact=False):
        pins.append((name, max_pin, exact))
        return f"{name} pinned({max_pin})"

    def unexpected(name):
        def stub(*args, **kwargs):
            raise AssertionError(f"the recipe calls {name}{args}: a noarch python recipe needs no {name}")
        return stub

    context = {"PYTHON": "$PYTHON", "pin_subpackage": pin_subpackage, "compiler": unexpected("compiler"),
               "pin_compatible": unexpected("pin_compatible"), "cdt": unexpected("cdt"), "environ": os.environ}
    rendered = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text).render(**context)
    return yaml.load(rendered, Loader=UniqueKeyLoader), pins


RENDERED, PINS = render(RECIPE.read_text())
COMMANDS = RENDERED["test"]["commands"]


def setup_py_arguments():
    """The keyword arguments of setup() in setup.py whose values are literals."""
    call = next(node for node in ast.walk(ast.parse((ROOT / "setup.py").read_text()))
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setup")
    arguments = {}
    for keyword in call.keywords:
        try:
            arguments[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            pass
    return arguments


def split(dependency):
    """'numpy >=1.24' -> ('numpy', '>=1.24')"""
    name, _, constraint = dependency.partition(" ")
    return name, constraint


def console_scripts():
    return {entry.name: entry.value for entry in importlib.metadata.distribution(DISTRIBUTION).entry_points
            if entry.group == "console_scripts"}


def test_the_recipe_refuses_keys_given_twice():
    with pytest.raises(yaml.constructor.ConstructorError, match="given twice"):
        render("package:\n  name: a\n  name: b\n")


def test_the_package_is_the_distribution_at_this_version():
    package = RENDERED["package"]
    assert package["name"] == DISTRIBUTION == RECIPE.parent.name, "bioconda: the folder is named after the package"
    assert str(package["version"]) == __version__ == importlib.metadata.version(DISTRIBUTION)
    assert re.search(r'^{% set name = "' + DISTRIBUTION + '" %}$', RECIPE.read_text(), re.M)


def test_the_source_is_the_pypi_sdist_with_a_sha256():
    source = RENDERED["source"]
    assert set(source) == {"url", "sha256"}, "one url with its sha256: no git_url, path or md5"
    name = DISTRIBUTION
    assert source["url"] == \
        f"https://pypi.org/packages/source/{name[0]}/{name}/{name.replace('-', '_')}-{__version__}.tar.gz"
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert "refresh this sha256 from the sdist uploaded to PyPI" in RECIPE.read_text()


def test_the_sdist_builds_with_the_recipe_url_name_and_holds_the_license(tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (sdist,) = tmp_path.glob("*.tar.gz")
    assert sdist.name == RENDERED["source"]["url"].rsplit("/", 1)[1]
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    needed = {RENDERED["about"]["license_file"], "setup.py", "pyproject.toml", "README.md", "tools/__init__.py",
              "genotools/__init__.py"}
    assert needed <= names, f"the sdist lacks {needed - names}"


def test_the_build_is_noarch_python_with_run_exports():
    build = RENDERED["build"]
    assert build["noarch"] == "python"
    assert build["number"] == 0 and isinstance(build["number"], int)
    assert build["script"] == "$PYTHON -m pip install . --no-deps --no-build-isolation -vvv"
    assert build["run_exports"] == [f"{DISTRIBUTION} pinned(x.x)"]
    assert PINS == [(DISTRIBUTION, "x.x", False)], "bioconda lint missing_run_exports: pin_subpackage of itself"


def test_the_cpu_image_of_the_descriptors_is_what_bioconda_builds_from_the_recipe():
    package, build = RENDERED["package"], RENDERED["build"]
    assert CPU_IMAGE == \
        f"quay.io/biocontainers/{package['name']}:{package['version']}--{NOARCH_PYTHON_HASH}_{build['number']}"


def test_the_entry_points_are_the_console_scripts_of_every_tool():
    entry_points = dict(split_entry(text) for text in RENDERED["build"]["entry_points"])
    assert set(entry_points) == {"genotools"} | {f"genotools-{tool}" for tool in TOOLS}
    assert entry_points == console_scripts()
    assert len(RENDERED["build"]["entry_points"]) == len(entry_points), "an entry point is listed twice"


def split_entry(text):
    name, _, target = text.partition(" = ")
    return name, target


def test_the_requirements_are_those_of_setup_py_under_their_conda_forge_names():
    requirements = RENDERED["requirements"]
    assert set(requirements) == {"host", "run"}, "noarch python: no build section, no compilers"
    host = dict(map(split, requirements["host"]))
    run = dict(map(split, requirements["run"]))
    for dependency in requirements["host"] + requirements["run"]:
        assert re.fullmatch(r"[a-z0-9][a-z0-9_.-]*( (?:[<>=!~]=?|==)[^\s,]+(?:,[<>=!~]=?[^\s,]+)*)?", dependency), \
            f"bioconda lint version_constraints_missing_whitespace: {dependency!r}"
    python = ">=" + setup_py_arguments()["python_requires"].removeprefix(">=")
    assert host.get("python") == run.get("python") == python, "python in host and run, bound as setup.py"
    assert "pip" in host and "setuptools" in host and "pip" not in run and "setuptools" not in run
    build_system = re.search(r"^requires = (\[.*\])$", (ROOT / "pyproject.toml").read_text(), re.M)[1]
    for requirement in map(Requirement, ast.literal_eval(build_system)):
        assert host.get(requirement.name) == str(requirement.specifier), f"host lacks {requirement}"
    required = {Requirement(text) for text in setup_py_arguments()["install_requires"]}
    expected = {CONDA_NAMES.get(r.name, r.name): str(r.specifier) for r in required}
    assert {name: constraint for name, constraint in run.items() if name != "python"} == expected


def test_the_recipe_runs_every_command_and_imports_genotools():
    assert {"genotools", "genotools.tools"} <= set(RENDERED["test"]["imports"])
    assert RENDERED["test"]["requires"] == ["pip"]
    assert sorted(COMMANDS) == sorted({"pip check", "genotools --version"} | {f"{name} --help" for name in
                                                                             console_scripts()})


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith("genotools")])
def test_each_recipe_test_command_runs_against_the_installed_commands(command):
    words = command.split()
    executable = Path(sys.executable).parent / words[0]
    assert executable.exists(), f"{words[0]} is not installed beside {sys.executable}"
    result = subprocess.run([str(executable), *words[1:]], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (__version__ in result.stdout) if words[1] == "--version" else ("Usage:" in result.stdout)


def test_about_names_the_licence_the_summary_and_where_to_read_more():
    about = RENDERED["about"]
    arguments = setup_py_arguments()
    assert about["license"] == arguments["license"] == about["license_family"] == "MIT"
    assert (ROOT / about["license_file"]).is_file()
    assert about["summary"] == arguments["description"]
    assert len(about["description"].split()) > 20
    assert all(re.fullmatch(r"https://\S+", about[key]) for key in ("home", "doc_url", "dev_url"))
    assert about["dev_url"] == about["home"] == dict(importlib.metadata.metadata(DISTRIBUTION))["Home-page"]
    maintainers = RENDERED["extra"]["recipe-maintainers"]
    assert maintainers and all(isinstance(name, str) and name for name in maintainers)


def test_the_licence_is_mit():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the genotools developers" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND" in text
    assert importlib.metadata.metadata(DISTRIBUTION)["License"] == "MIT"


# The Citation File Format's own schema, as the cffconvert wheel ships it (read from the wheel: cffconvert itself
# pins jsonschema 3, which cannot read the 2020-12 schemas nf-core's are written in).
CFF_WHEEL = ("cffconvert==2.0.0", "573c825e4e16173d99396dc956bd22ff5d4f84215cc16b6ab05299124f5373bb",
             "cffconvert/schemas/1.2.0/schema.json")


@pytest.fixture(scope="module")
def cff_schema(tmp_path_factory):
    requirement, sha256, member = CFF_WHEEL
    folder = tmp_path_factory.mktemp("cffconvert")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", folder, requirement],
                   check=True)
    wheel = next(folder.glob("*.whl"))
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == sha256
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(member))


def test_the_citation_file_is_valid_cff_for_this_version(cff_schema):
    text = (ROOT / "CITATION.cff").read_text()
    validator = jsonschema.Draft7Validator(cff_schema)
    validator.validate(yaml.safe_load(text))  # raises on a file that breaks the Citation File Format schema
    citation = yaml.safe_load(text)
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == __version__ and citation["license"] == "MIT"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(citation["date-released"]))
    assert citation["authors"] == [{"name": "The genotools developers"}]
    # The schema does refuse a broken file: one without authors.
    broken = {key: value for key, value in citation.items() if key != "authors"}
    with pytest.raises(jsonschema.ValidationError, match="authors"):
        validator.validate(broken)
