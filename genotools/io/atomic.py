"""Write outputs to a temporary file and rename on success, so a failed run never leaves a partial result.

A run killed outright (SIGKILL, the out-of-memory killer) cannot remove its temporary files itself. A janitor
process, started with the first of them, is told of each one and removes those still there when the run's end,
however it comes, closes the pipe it reads."""

import atexit
import contextlib
import errno
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from genotools.errors import InputError

_JANITOR = """
import json, os, shutil, sys
pending = set()
for line in sys.stdin:
    (pending.add if line[0] == "+" else pending.discard)(json.loads(line[1:]))
for path in pending:
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)
"""
_janitor: subprocess.Popen | None = None


def _tell_janitor(change: str, path: Path) -> None:
    """'+' a temporary path to remove if the run dies, '-' one that is gone or renamed."""
    global _janitor
    if _janitor is None:
        # Its own session, so that a signal to the run's process group (a scheduler's kill) leaves it to clean up;
        # no output, so that it holds no pipe of the run's open.
        _janitor = subprocess.Popen([sys.executable, "-I", "-c", _JANITOR], stdin=subprocess.PIPE, text=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        atexit.register(_dismiss_janitor)
    _janitor.stdin.write(change + json.dumps(str(path)) + "\n")
    _janitor.stdin.flush()


def _dismiss_janitor() -> None:
    _janitor.stdin.close()
    _janitor.wait()


@contextlib.contextmanager
def _temporary(path: Path, make) -> Iterator[Path]:
    """A new hidden path beside `path`, made by `make`, known to the janitor while it exists."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    _tell_janitor("+", tmp)
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            make(tmp)
        except OSError as error:
            reason = ("a file stands where a folder of its path should be"
                      if isinstance(error, (FileExistsError, NotADirectoryError)) else error.strerror)
            raise InputError(f"{path}: cannot be written there ({reason}); choose another output path") from None
        yield tmp
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp)
        elif tmp.exists():
            tmp.unlink()
        _tell_janitor("-", tmp)


def _new_file(path: Path) -> None:
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # the permissions a plain open gives


@contextlib.contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` when the block succeeds, delete it otherwise."""
    path = Path(path)
    with _temporary(path, _new_file) as tmp:
        yield tmp
        os.replace(tmp, path)


@contextlib.contextmanager
def atomic_directory(path: Path | str) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; rename it to `path` when the block succeeds, delete it otherwise.
    An existing empty folder at `path` is replaced; a non-empty one is an error, so no user file is ever lost."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path}: exists and is not an empty folder; remove it or choose another name")
    with _temporary(path, os.mkdir) as tmp:
        yield tmp
        try:
            if path.exists():
                path.rmdir()
            os.replace(tmp, path)
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            raise InputError(f"{path}: another run wrote this folder while this one worked; its results are kept, "
                             "this run's discarded") from None
