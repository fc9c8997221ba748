import subprocess

import pytest
from helpers import APPS, run_tool, script

from genotools import __version__
from genotools.tools.main import GROUPS

COMMANDS = [[name] for name in APPS if name not in GROUPS] + [[group, info.name] for group, app in GROUPS.items()
                                                              for info in app.registered_commands]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_tool_has_help_with_an_example_and_the_standard_options(command):
    text = run_tool(*command, "--help").stdout
    assert f"genotools-{' '.join(command)} --" in text.split("Example:")[1]
    for option in ("--version", "--device", "--seed", "--threads", "--quiet", "--debug"):
        assert option in text


@pytest.mark.parametrize("name", APPS)
def test_every_console_script_reports_its_version(name):
    result = subprocess.run([script(f"genotools-{name}"), "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"genotools {__version__}"


def test_the_umbrella_command_lists_and_runs_every_tool():
    listing = subprocess.run([script("genotools"), "--help"], capture_output=True, text=True, check=True).stdout
    assert all(name in listing for name in APPS)
    result = subprocess.run([script("genotools"), "encode", "--fasta", "missing.fa", "--output", "x.h5"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "'missing.fa' does not exist" in result.stderr


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "seqs.fa").write_text("")
    quiet = subprocess.run([script("genotools-encode"), "--fasta", tmp_path / "seqs.fa", "-o", tmp_path / "x.h5"],
                           capture_output=True, text=True)
    loud = subprocess.run([script("genotools-encode"), "--fasta", tmp_path / "seqs.fa", "-o", tmp_path / "x.h5",
                           "--debug"], capture_output=True, text=True)
    assert "Traceback" not in quiet.stderr and "Traceback" in loud.stderr
    assert quiet.returncode == 2 and loud.returncode != 0
