"""Line-oriented text input, plain or gzipped."""

import gzip
import math
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.compressed import GZIP_MAGIC

MISSING = ("", ".", "NA", "NaN", "nan")  # how tables spell a missing value
SINGLE_MAX = float(np.finfo(np.float32).max)  # the largest magnitude a float32 array (labels, omics) holds


def read_lines(path: Path | str, what: str) -> list[str]:
    """The lines of a text file (gzipped or not) without line endings; `what` names the file kind in errors. The
    file is read once, start to end, so that a pipe (/dev/stdin, a process substitution) reads like a file. A UTF-8
    byte-order mark (which some Windows editors and Excel write) is dropped, so that the first line reads as
    written."""
    if not Path(path).exists():
        raise InputError(f"{path}: {what} file not found")
    try:
        data = Path(path).read_bytes()
        if data.startswith(GZIP_MAGIC):
            data = gzip.decompress(data)
        return data.decode("utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as error:
        raise InputError(f"{path}: cannot read {what} file ({error})") from None


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_value(text: str, path: Path | str, line_number: int, column: str, single: bool = False) -> float:
    """A value of a numeric table (labels, a matrix, a phenotype ...): a finite float, or NaN for a missing value
    ('', '.', 'NA', 'nan', or NaN written any other way as a number). Infinities, and numbers too large for a
    float64 (1e400), are refused, and with `single` (values kept as float32) numbers too large for a float32."""
    if text in MISSING:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{path}: line {line_number}: {column} value {text!r} is not a number") from None
    if math.isinf(value):
        raise InputError(f"{path}: line {line_number}: {column} value {text!r} is not a finite number")
    if single and abs(value) > SINGLE_MAX:
        raise InputError(f"{path}: line {line_number}: {column} value {text!r} is beyond the range of single "
                         f"precision (±{SINGLE_MAX:.3g}); rescale the values")
    return value


def check_unique_names(path: Path | str, line_number: int, names: Sequence[str], what: str) -> None:
    """Refuse a header (on `line_number`) that gives two columns of `what` (e.g. task) the same name."""
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path}: line {line_number}: {what} {name!r} is named twice")
        seen.add(name)


def read_label_table(path: Path | str) -> tuple[list[str], dict[str, list[float]]]:
    """A TSV of labels: header `name task1 task2 ...`, one row per sequence. Returns (task_names, {name: row})."""
    lines = [(n, line) for n, line in enumerate(read_lines(path, "labels"), start=1) if line.strip()]
    if not lines:
        raise InputError(f"{path}: labels file is empty")
    header_line, header = lines[0][0], lines[0][1].lstrip("#").split("\t")
    if len(header) < 2:
        raise InputError(f"{path}: line {header_line}: expected a header 'name<TAB>task1<TAB>...' with at least "
                         "one task")
    check_unique_names(path, header_line, header[1:], "task")
    rows = {}
    for line_number, line in lines[1:]:
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        if fields[0] in rows:
            raise InputError(f"{path}: line {line_number}: duplicate name {fields[0]!r}")
        rows[fields[0]] = [parse_value(v, path, line_number, c, single=True) for v, c in zip(fields[1:], header[1:])]
    return header[1:], rows
