"""What the tests share: where test-data lives, and running a tool through its real Typer app."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import safe_open
from typer.testing import CliRunner

from genotools.tools.main import APPS

TEST_DATA = Path(__file__).resolve().parent.parent / "test-data"
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


def kill_when_checkpointed(command, checkpoint, key, value, timeout=600):
    """Start `command` (a console script and its arguments), SIGKILL it once its training checkpoint's `key`
    reaches `value`, and return the progress it was killed at; fails if it ends first, or if the run leaves a
    temporary file or folder beside its checkpoint (the outputs' folder)."""
    process = subprocess.Popen([str(part) for part in command], stderr=subprocess.PIPE)
    deadline = time.time() + timeout  # only to catch a hang
    while checkpoint_progress(checkpoint, key) < value and process.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "training ended before it could be killed: " + process.stderr.read().decode()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert temporary_files(Path(checkpoint).parent) == []
    return checkpoint_progress(checkpoint, key)


def temporary_files(folder, timeout=120):
    """The temporary outputs (.NAME.XXXXXXXX.tmp) in `folder` once a killed run's janitor has removed them; the
    wait only catches a janitor that never does."""
    deadline = time.time() + timeout
    while (left := sorted(path.name for path in Path(folder).glob(".*.tmp"))) and time.time() < deadline:
        time.sleep(0.05)
    return left


def checkpoint_progress(path, key):
    """`key` of the progress a training checkpoint records (0 while the file is missing or being written)."""
    try:
        with safe_open(str(path), "pt") as handle:
            return json.loads(handle.metadata()["genotools"])[key]
    except Exception:
        return 0
