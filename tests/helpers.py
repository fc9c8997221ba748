"""What the tests share: where test-data lives, and running a tool through its real Typer app."""

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import safe_open
from typer.testing import CliRunner

from genotools.tools import drug_response, encode, gene_function, interpret, predict, score_variants, simulate, train
from genotools.tools import associate, qc

TEST_DATA = Path(__file__).resolve().parent.parent / "test-data"
APPS = {"encode": encode.app, "train": train.app, "predict": predict.app, "score-variants": score_variants.app, "interpret": interpret.app,
        "simulate": simulate.app, "drug-response": drug_response.app,
        "gene-function": gene_function.app, "qc": qc.app, "associate": associate.app}
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
# A small model of the default architecture keeps the tests quick; `make demo` trains with the defaults.
SMALL_MODEL = ["--param", "channels=32", "--param", "lstm_hidden=16", "--param", "hidden=32"]


def script(name):
    """The installed console script `name` (beside the Python running the tests)."""
    return str(Path(sys.executable).parent / name)


def run_tool(name, *args, expect=0):
    """Run tool `name` with `args` as its console script would; check the exit code; return the result."""
    result = CliRunner().invoke(APPS[name], [str(a) for a in args])
    assert result.exit_code == expect, (
        f"exit {result.exit_code}, expected {expect}\n{result.stdout}\n{result.stderr}\n{result.exception!r}")
    return result


def error_line(result):
    """The tool's stderr, checked to be exactly one line."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def checkpoint_progress(path, key):
    """`key` of the progress a training checkpoint records (0 while the file is missing or being written)."""
    try:
        with safe_open(str(path), "pt") as handle:
            return json.loads(handle.metadata()["genotools"])[key]
    except Exception:
        return 0
