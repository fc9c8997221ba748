"""The Galaxy, CWL and Nextflow descriptors are rendered from the command lines, and cannot drift from them."""

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import pytest
import typer

from genotools.tools import encode
from genotools.tools.wrappers import ROOT, SPECS, rendered, tools
from genotools.wrappers import cwl, galaxy, nextflow
from genotools.wrappers.model import describe


def test_the_committed_descriptors_are_what_the_command_lines_render():
    result = subprocess.run([sys.executable, "-m", "genotools.tools.wrappers", "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, f"run `make wrappers` and commit:\n{result.stderr}"


def test_every_tool_has_descriptors_on_every_platform():
    files = rendered()
    for tool in tools():
        for platform, name, suffix in ((galaxy, tool.name, ".xml"), (cwl, tool.name, ".cwl"),
                                       (nextflow, nextflow.module_name(tool), "main.nf")):
            assert any(name in path and path.endswith(suffix) for path in platform.render([tool])), \
                f"{platform.__name__} renders nothing for {tool.name}"
    assert all((ROOT / path).is_file() for path in files)


def _command(function, drop=None, add=None):
    """A Typer command like `function`, with option `drop` removed and/or option `add` (name, annotation, default)."""
    signature = inspect.signature(function)
    parameters = [p for p in signature.parameters.values() if p.name != drop]
    annotations = {k: v for k, v in function.__annotations__.items() if k != drop}
    if add:
        name, annotation, default = add
        parameters.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=annotation))
        annotations[name] = annotation

    def changed(**kwargs):
        pass

    changed.__signature__ = signature.replace(parameters=parameters)
    changed.__annotations__ = annotations
    changed.__doc__ = function.__doc__
    app = typer.Typer(add_completion=False)
    app.command()(changed)
    return typer.main.get_command(app), changed


def test_an_option_added_to_a_command_line_changes_its_descriptors_on_every_platform():
    option = (Annotated[int, typer.Option(help="Distance between windows.")], 50)
    command, function = _command(encode.encode, add=("window_step", *option))
    changed = describe(command, function, SPECS / "encode.yml", "genotools-encode")
    committed = {path: (ROOT / path).read_text() for path in rendered()}
    for platform in (galaxy, cwl, nextflow):
        files = platform.render([changed])
        assert any("window-step" in text and committed.get(path) != text for path, text in files.items()), \
            f"{platform.__name__} ignores a new option"


def test_a_removed_or_renamed_option_that_the_spec_names_is_an_error():
    command, function = _command(encode.encode, drop="kmer")
    with pytest.raises(ValueError, match="names options the command does not have: kmer"):
        describe(command, function, SPECS / "encode.yml", "genotools-encode")


def test_a_new_file_option_needs_its_format_in_the_spec():
    option = (Annotated[Optional[Path], typer.Option(help="Blacklisted regions.")], None)
    command, function = _command(encode.encode, add=("blacklist", *option))
    with pytest.raises(ValueError, match="file option --blacklist needs an entry under 'files'"):
        describe(command, function, SPECS / "encode.yml", "genotools-encode")
