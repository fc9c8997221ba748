"""The tables of a drug-response study, and matching their identifiers.

response  long format, one measurement a row: cell line, drug, value (ln IC50, AUC ...); TSV or CSV
omics     a numeric matrix (expression, mutations, copy number ...) with cell lines as rows or as columns
drugs     drug name and SMILES
Cell lines and drugs are matched on normalised identifiers (case, punctuation and whitespace ignored), since
resources spell them differently ("HCC-1937", "HCC 1937", "hcc1937").
"""

import csv
import re
from dataclasses import dataclass, field

import numpy as np

from genotools.errors import InputError
from genotools.io.text import MISSING, parse_value, read_lines

DUPLICATE_RULES = ("mean", "median", "first", "error")
ORIENTATIONS = ("auto", "rows", "columns")
# Column names recognised (after normalisation) when the caller does not name the columns.
CELL_COLUMNS = ("cellline", "celllinename", "cell", "cellname", "cellid", "sample", "samplename")
DRUG_COLUMNS = ("drug", "drugname", "compound", "compoundname", "name")
VALUE_COLUMNS = ("lnic50", "logic50", "ic50", "auc", "actarea", "response", "value")
SMILES_COLUMNS = ("smiles", "canonicalsmiles", "isomericsmiles")


def normalise(identifier):
    """The matching key of an identifier: lower case, without punctuation or whitespace."""
    return re.sub(r"[\W_]+", "", identifier).casefold()


@dataclass
class Response:
    """Measurements after merging duplicates, in the order first seen; names spelt as first seen."""
    path: str
    cells: list
    drugs: list
    values: np.ndarray
    missing: int  # rows without a value, skipped
    merged: int  # rows merged into an earlier measurement of the same cell line and drug


@dataclass
class Omics:
    path: str
    cells: list
    features: list
    values: np.ndarray  # cells x features, float32, NaN where missing


@dataclass
class Drugs:
    path: str
    names: list
    smiles: list


@dataclass
class Dataset:
    """Matched tables: measurement i is of cells[cell_index[i]] and drugs[drug_index[i]]; omics[k] has one row
    per cell line, in the order of `cells`."""
    cells: list
    drugs: list
    smiles: list
    cell_index: np.ndarray
    drug_index: np.ndarray
    values: np.ndarray
    omics: list
    features: list
    unmatched: dict = field(default_factory=dict)  # {what did not match: sorted names}


def read_rows(path, what):
    """(header, [(line number, fields)]) of a TSV or CSV file; the delimiter is the header's (tab, else comma)."""
    lines = read_lines(path, what)
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if not numbered:
        raise InputError(f"{path}: {what} file is empty")
    delimiter = "\t" if "\t" in numbered[0][1] else ","
    parsed = csv.reader((line for _, line in numbered), delimiter=delimiter)
    rows = [(n, fields) for (n, _), fields in zip(numbered, parsed)]
    return rows[0][1], rows[1:]


def _column(path, header, given, aliases, role):
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


def read_response(path, cell_column=None, drug_column=None, value_column=None, duplicates="mean"):
    """A long-format response table. Columns are found by name (e.g. cell_line, drug, ln_ic50) unless named.
    Measurements of the same cell line and drug (after normalisation) are merged by `duplicates`: mean, median,
    first, or error. Rows with a missing value are skipped and counted."""
    if duplicates not in DUPLICATE_RULES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_RULES}, not {duplicates!r}")
    header, rows = read_rows(path, "response")
    columns = [_column(path, header, cell_column, CELL_COLUMNS, "cell line"),
               _column(path, header, drug_column, DRUG_COLUMNS, "drug"),
               _column(path, header, value_column, VALUE_COLUMNS, "response value")]
    measured, missing = {}, 0  # {(cell key, drug key): (cell, drug, [values], first line)}
    for line_number, fields in rows:
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        cell, drug, text = (fields[i].strip() for i in columns)
        if not cell or not drug:
            raise InputError(f"{path}: line {line_number}: empty {'cell line' if not cell else 'drug'} name")
        value = parse_value(text, path, line_number, header[columns[2]])
        if np.isnan(value):
            missing += 1
            continue
        key = (normalise(cell), normalise(drug))
        if key not in measured:
            measured[key] = (cell, drug, [value], line_number)
        elif duplicates == "error":
            raise InputError(f"{path}: line {line_number}: {cell} with {drug} was already measured on line "
                             f"{measured[key][3]}; merge duplicates with a rule (mean, median, first)")
        else:
            measured[key][2].append(value)
    merge = {"mean": np.mean, "median": np.median, "first": lambda values: values[0], "error": None}[duplicates]
    entries = list(measured.values())
    return Response(path=str(path), cells=[e[0] for e in entries], drugs=[e[1] for e in entries],
                    values=np.array([merge(e[2]) for e in entries], dtype=np.float64), missing=missing,
                    merged=sum(len(e[2]) - 1 for e in entries))


def _overlap(names, keys):
    return sum(normalise(name) in keys for name in names)


def read_omics(path, cells=(), orientation="auto", features=(), row_kind="cell line",
               known_rows="the response table's cell lines"):
    """A numeric matrix with row names in the first column and column names in the header. `orientation` says
    whether cell lines are its rows or its columns; "auto" takes the side whose names match more of `cells`
    (the response table's cell lines), or, without cells, the side whose names match fewer of `features`
    (a model's). `row_kind` and `known_rows` name the rows, and where `cells` come from, in messages (genes,
    for a gene-function study)."""
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    header, rows = read_rows(path, "omics")
    if not rows:
        raise InputError(f"{path}: a header but no rows of values")
    if len(header) == len(rows[0][1]) - 1:
        header = ["", *header]  # R's write.table leaves out the row names' column name
    if len(header) < 2:
        raise InputError(f"{path}: line 1: expected row names and at least one column of values")
    row_names, column_names = [fields[0].strip() for _, fields in rows], [name.strip() for name in header[1:]]
    matrix = np.empty((len(rows), len(column_names)), dtype=np.float32)
    for i, (line_number, fields) in enumerate(rows):
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        try:
            matrix[i] = np.array([field if field not in MISSING else "nan" for field in fields[1:]], dtype=np.float64)
        except ValueError:  # find the culprit for the message
            for text, column in zip(fields[1:], column_names):
                parse_value(text, path, line_number, column)
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
    if orientation == "columns":
        row_names, column_names, matrix = column_names, row_names, np.ascontiguousarray(matrix.T)
    _check_unique(path, row_names, row_kind, normalise)
    _check_unique(path, column_names, "feature", str)
    return Omics(path=str(path), cells=row_names, features=column_names, values=matrix)


def _check_unique(path, names, what, key):
    seen = {}
    for name in names:
        if key(name) in seen:
            raise InputError(f"{path}: {what} {name!r} appears twice (as {seen[key(name)]!r} and {name!r}); "
                             f"keep one")
        seen[key(name)] = name


def read_pairs(path, cell_column=None, drug_column=None):
    """(cell lines, drugs) of a table of pairs to predict, columns found by name unless named."""
    header, rows = read_rows(path, "pairs")
    columns = [_column(path, header, cell_column, CELL_COLUMNS, "cell line"),
               _column(path, header, drug_column, DRUG_COLUMNS, "drug")]
    cells, drugs = [], []
    for line_number, fields in rows:
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        cell, drug = (fields[i].strip() for i in columns)
        if not cell or not drug:
            raise InputError(f"{path}: line {line_number}: empty {'cell line' if not cell else 'drug'} name")
        cells.append(cell)
        drugs.append(drug)
    return cells, drugs


def read_drugs(path, name_column=None, smiles_column=None):
    """A drug table: name and SMILES columns, found by name (e.g. drug, smiles) unless named."""
    header, rows = read_rows(path, "drugs")
    name_at = _column(path, header, name_column, DRUG_COLUMNS, "drug name")
    smiles_at = _column(path, header, smiles_column, SMILES_COLUMNS, "SMILES")
    names, smiles, lines = [], [], {}
    for line_number, fields in rows:
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        name, text = fields[name_at].strip(), fields[smiles_at].strip()
        if not name or text in MISSING:
            raise InputError(f"{path}: line {line_number}: a drug needs a name and a SMILES")
        if normalise(name) in lines:
            raise InputError(f"{path}: line {line_number}: drug {name!r} is already on line {lines[normalise(name)]}")
        lines[normalise(name)] = line_number
        names.append(name)
        smiles.append(text)
    return Drugs(path=str(path), names=names, smiles=smiles)


def match(response, omics, drugs):
    """The measurements whose cell line is in every omics matrix and whose drug is in the drug table, with what
    did not match on either side. No measurement left is an error."""
    omics_rows = [{normalise(cell): i for i, cell in enumerate(o.cells)} for o in omics]
    drug_rows = {normalise(name): i for i, name in enumerate(drugs.names)}
    cell_keys, drug_keys = [normalise(c) for c in response.cells], [normalise(d) for d in response.drugs]
    keep = np.array([all(c in rows for rows in omics_rows) and d in drug_rows for c, d in zip(cell_keys, drug_keys)],
                    dtype=bool)
    response_cells = _first_spelling(cell_keys, response.cells)
    response_drugs = _first_spelling(drug_keys, response.drugs)
    unmatched = {}
    for o, rows in zip(omics, omics_rows):
        unmatched[f"cell lines of {response.path} not in {o.path}"] = [response_cells[k] for k in response_cells
                                                                         if k not in rows]
        unmatched[f"cell lines of {o.path} not in {response.path}"] = [o.cells[i] for k, i in rows.items()
                                                                         if k not in response_cells]
    unmatched[f"drugs of {response.path} not in {drugs.path}"] = [response_drugs[k] for k in response_drugs
                                                                    if k not in drug_rows]
    unmatched[f"drugs of {drugs.path} not in {response.path}"] = [drugs.names[i] for k, i in drug_rows.items()
                                                                   if k not in response_drugs]
    unmatched = {what: sorted(names) for what, names in unmatched.items() if names}
    if not keep.any():
        raise InputError(f"{response.path}: no measurement has a cell line in {', '.join(o.path for o in omics)} "
                         f"and a drug in {drugs.path}: " + "; ".join(summarise(unmatched)))
    kept_cells = sorted({k for k, kept in zip(cell_keys, keep) if kept})
    kept_drugs = sorted({k for k, kept in zip(drug_keys, keep) if kept})
    cell_at, drug_at = {k: i for i, k in enumerate(kept_cells)}, {k: i for i, k in enumerate(kept_drugs)}
    return Dataset(
        cells=[response_cells[k] for k in kept_cells],
        drugs=[response_drugs[k] for k in kept_drugs],
        smiles=[drugs.smiles[drug_rows[k]] for k in kept_drugs],
        cell_index=np.array([cell_at[k] for k, kept in zip(cell_keys, keep) if kept], dtype=np.int64),
        drug_index=np.array([drug_at[k] for k, kept in zip(drug_keys, keep) if kept], dtype=np.int64),
        values=response.values[keep],
        omics=[o.values[[rows[k] for k in kept_cells]] for o, rows in zip(omics, omics_rows)],
        features=[o.features for o in omics],
        unmatched=unmatched,
    )


def _first_spelling(keys, names):
    spelling = {}
    for key, name in zip(keys, names):
        spelling.setdefault(key, name)
    return spelling


def summarise(unmatched, examples=3):
    """One line per kind of mismatch: the count and a few examples."""
    return [f"{len(names)} {what} (e.g. {', '.join(names[:examples])})" for what, names in unmatched.items()]
