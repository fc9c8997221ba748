"""Tables every domain reads: TSV/CSV rows, numeric matrices with named rows and columns, and identifier
matching. Identifiers are matched on a normalised key (case, punctuation and whitespace ignored), since
resources spell them differently ("HCC-1937", "HCC 1937", "hcc1937")."""

import csv
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.text import MISSING, SINGLE_MAX, parse_value, read_lines

ORIENTATIONS = ("auto", "rows", "columns")
SHORTER = "shorter"  # read_omics only: the rows are the shorter side (features usually outnumber samples)

def normalise(identifier: str) -> str:
    """The matching key of an identifier: lower case, without punctuation or whitespace."""
    return re.sub(r"[\W_]+", "", identifier).casefold()


def read_rows(path: Path | str, what: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, fields)]) of a TSV or CSV file; the delimiter is the header's (tab, else comma).
    An empty file, or a header without rows, is refused."""
    lines = read_lines(path, what)
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise InputError(f"{path}: {what} file is empty")
    if len(numbered) == 1:
        raise InputError(f"{path}: {what} file has a header but no rows; add its rows below the header")
    delimiter = "\t" if "\t" in numbered[0][1] else ","
    parsed = csv.reader((line for _, line in numbered), delimiter=delimiter)
    rows = [(n, fields) for (n, _), fields in zip(numbered, parsed)]
    return rows[0][1], rows[1:]


def check_row_lengths(path: Path | str, header: list[str], rows: list[tuple[int, list[str]]]) -> None:
    """Refuse the first row (of read_rows) whose number of fields is not the header's."""
    for line_number, fields in rows:
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")


def find_column(path: Path | str, header: list[str], given: str | None, aliases: Collection[str], role: str) -> int:
    """The index of the column holding `role`: the one named `given`, else the one whose name is an alias."""
    if given is not None:
        if given not in header:
            raise InputError(f"{path}: line 1: no column named {given!r} (the columns are {', '.join(header)})")
        return header.index(given)
    found = [i for i, name in enumerate(header) if normalise(name) in aliases]
    if len(found) != 1:
        problem = "no column" if not found else f"{len(found)} columns ({', '.join(header[i] for i in found)})"
        raise InputError(f"{path}: line 1: {problem} for the {role}; name the {role} column "
                         f"(the columns are {', '.join(header)})")
    return found[0]


@dataclass
class Omics:
    path: str
    cells: list
    features: list
    values: np.ndarray  # cells x features, float32, NaN where missing


def _overlap(names, keys):
    return sum(normalise(name) in keys for name in names)


def read_omics(path: Path | str, cells: Sequence[str] = (), orientation: str = "auto", features: Sequence[str] = (),
               row_kind: str = "cell line", known_rows: str = "the response table's cell lines") -> Omics:
    """A numeric matrix with row names in the first column and column names in the header. `orientation` says
    whether cell lines are its rows or its columns; "auto" takes the side whose names match more of `cells`
    (the response table's cell lines), or, without cells, the side whose names match fewer of `features`
    (a model's); "shorter" takes the shorter side (the rows on a tie). `row_kind` and `known_rows` name the
    rows, and where `cells` come from, in messages (genes, for a gene-function study). Values are finite (or
    missing: NaN) and within float32's range; a name repeated among the rows (normalised) or among the features
    is refused with where the two are."""
    if orientation not in (*ORIENTATIONS, SHORTER):
        raise ValueError(f"orientation must be one of {(*ORIENTATIONS, SHORTER)}, not {orientation!r}")
    header, rows = read_rows(path, "omics")
    first_column = 2  # the header's field of the first column of values, counted from 1
    if len(header) == len(rows[0][1]) - 1:
        header, first_column = ["", *header], 1  # R's write.table leaves out the row names' column name
    if len(header) < 2:
        raise InputError(f"{path}: line 1: expected row names and at least one column of values")
    row_names, column_names = [fields[0].strip() for _, fields in rows], [name.strip() for name in header[1:]]
    matrix = np.empty((len(rows), len(column_names)), dtype=np.float32)
    for i, (line_number, fields) in enumerate(rows):
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        matrix[i] = _numbers(path, line_number, fields[1:], column_names)
    if orientation == "auto":
        keys = {normalise(name) for name in cells or features}
        as_rows, as_columns = _overlap(row_names, keys), _overlap(column_names, keys)
        if not cells:
            as_rows, as_columns = as_columns, as_rows
        if as_rows == as_columns:
            problem = "none" if as_rows == 0 else f"as many ({as_rows})"
            known = known_rows if cells else "the model's features"
            raise InputError(f"{path}: {problem} of {known} among its row names and its "
                             f"column names (e.g. rows {', '.join(row_names[:3])}; columns "
                             f"{', '.join(column_names[:3])}); check the identifiers or set the orientation")
        orientation = "rows" if as_rows > as_columns else "columns"
    elif orientation == SHORTER:
        orientation = "columns" if len(row_names) > len(column_names) else "rows"
    row_places = ("line", [n for n, _ in rows])
    column_places = ("column", [first_column + i for i in range(len(column_names))])
    if orientation == "columns":
        row_names, column_names, matrix = column_names, row_names, np.ascontiguousarray(matrix.T)
        row_places, column_places = column_places, row_places
    check_unique(path, row_names, row_kind, normalise, row_places)
    check_unique(path, column_names, "feature", str, column_places)
    return Omics(path=str(path), cells=row_names, features=column_names, values=matrix)


def _numbers(path, line_number, texts, columns):
    """The values of one line of a matrix, parsed in bulk; parsed one by one (to refuse the first bad one by its
    column, or to accept what numpy does not parse but Python does) when that fails or finds a value that is
    infinite or beyond float32."""
    try:
        values = np.array([text if text not in MISSING else "nan" for text in texts], dtype=np.float64)
        with np.errstate(invalid="ignore"):
            valid = not (np.abs(values) > SINGLE_MAX).any()  # also infinities
    except ValueError:
        valid = False
    if not valid:
        values = np.array([parse_value(text, path, line_number, column, single=True)
                           for text, column in zip(texts, columns)], dtype=np.float64)
    return values


def check_unique(path: Path | str, names: list[str], what: str, key: Callable[[str], str],
                 places: tuple[str, Sequence[int]] | None = None) -> None:
    """Refuse two of `names` with the same `key`. `places` says where each is: ("line", line numbers) for the
    names of rows, ("column", positions) for names in the header (line 1)."""
    seen = {}
    for i, name in enumerate(names):
        if key(name) in seen:
            first, where = seen[key(name)], ""
            if places is not None:
                kind, at = places
                where = f" of {kind}s {at[first]} and {at[i]}" + (" of line 1" if kind == "column" else "")
            raise InputError(f"{path}: {what} {name!r} appears twice (as {names[first]!r} and {name!r}); "
                             f"keep one{where}")
        seen[key(name)] = i


def summarise(unmatched: dict[str, list[str]], examples: int = 3) -> list[str]:
    """One line per kind of mismatch: the count and a few examples."""
    return [f"{len(names)} {what} (e.g. {', '.join(names[:examples])})" for what, names in unmatched.items()]
