"""Line-oriented text input, plain or gzipped."""

import gzip
from pathlib import Path

from genotools.errors import InputError
from genotools.io.compressed import is_gzip

MISSING = ("", ".", "NA", "NaN", "nan")  # how tables spell a missing value


def read_lines(path: Path | str, what: str) -> list[str]:
    """The lines of a text file (gzipped or not) without line endings; `what` names the file kind in errors."""
    if not Path(path).is_file():
        raise InputError(f"{path}: {what} file not found")
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rt") as handle:
            return handle.read().splitlines()
    except (OSError, UnicodeDecodeError, EOFError) as error:
        raise InputError(f"{path}: cannot read {what} file ({error})") from None


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_value(text: str, path: Path | str, line_number: int, column: str) -> float:
    """A label value: a float, or NaN for a missing value ('', '.', 'NA', 'nan')."""
    if text in MISSING:
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{path}: line {line_number}: {column} value {text!r} is not a number") from None


def read_label_table(path: Path | str) -> tuple[list[str], dict[str, list[float]]]:
    """A TSV of labels: header `name task1 task2 ...`, one row per sequence. Returns (task_names, {name: row})."""
    lines = [line for line in read_lines(path, "labels") if line.strip()]
    if not lines:
        raise InputError(f"{path}: labels file is empty")
    header = lines[0].lstrip("#").split("\t")
    if len(header) < 2:
        raise InputError(f"{path}: line 1: expected a header 'name<TAB>task1<TAB>...' with at least one task")
    rows = {}
    for line_number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        if fields[0] in rows:
            raise InputError(f"{path}: line {line_number}: duplicate name {fields[0]!r}")
        rows[fields[0]] = [parse_value(v, path, line_number, c) for v, c in zip(fields[1:], header[1:])]
    return header[1:], rows
