"""The tables of a drug-response study, and matching their identifiers.

response  long format, one measurement a row: cell line, drug, value (ln IC50, AUC ...); TSV or CSV
omics     a numeric matrix (expression, mutations, copy number ...) with cell lines as rows or as columns
drugs     drug name and SMILES
Cell lines and drugs are matched on normalised identifiers (case, punctuation and whitespace ignored), since
resources spell them differently ("HCC-1937", "HCC 1937", "hcc1937").
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.tables import Omics, find_column, normalise, read_rows, summarise
from genotools.io.text import MISSING, parse_value

DUPLICATE_RULES = ("mean", "median", "first", "error")
# Column names recognised (after normalisation) when the caller does not name the columns.
CELL_COLUMNS = ("cellline", "celllinename", "cell", "cellname", "cellid", "sample", "samplename")
DRUG_COLUMNS = ("drug", "drugname", "compound", "compoundname", "name")
VALUE_COLUMNS = ("lnic50", "logic50", "ic50", "auc", "actarea", "response", "value")
SMILES_COLUMNS = ("smiles", "canonicalsmiles", "isomericsmiles")


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
class Drugs:
    path: str
    names: list
    smiles: list
    merged: dict = field(default_factory=dict)  # {what: ["spelling -> first spelling"]}, for `summarise`


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


def read_response(path: Path | str, cell_column: str | None = None, drug_column: str | None = None,
                  value_column: str | None = None, duplicates: str = "mean") -> Response:
    """A long-format response table. Columns are found by name (e.g. cell_line, drug, ln_ic50) unless named.
    Measurements of the same cell line and drug (after normalisation) are merged by `duplicates`: mean, median,
    first, or error. Rows with a missing value are skipped and counted."""
    if duplicates not in DUPLICATE_RULES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_RULES}, not {duplicates!r}")
    header, rows = read_rows(path, "response")
    columns = [find_column(path, header, cell_column, CELL_COLUMNS, "cell line"),
               find_column(path, header, drug_column, DRUG_COLUMNS, "drug"),
               find_column(path, header, value_column, VALUE_COLUMNS, "response value")]
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
    if not measured:
        raise InputError(f"{path}: no measurements: all {missing} rows lack a value; add rows of cell line, drug "
                         "and value")
    merge = {"mean": np.mean, "median": np.median, "first": lambda values: values[0], "error": None}[duplicates]
    entries = list(measured.values())
    return Response(path=str(path), cells=[e[0] for e in entries], drugs=[e[1] for e in entries],
                    values=np.array([merge(e[2]) for e in entries], dtype=np.float64), missing=missing,
                    merged=sum(len(e[2]) - 1 for e in entries))


def read_pairs(path: Path | str, cell_column: str | None = None,
               drug_column: str | None = None) -> tuple[list[str], list[str]]:
    """(cell lines, drugs) of a table of pairs to predict, columns found by name unless named."""
    header, rows = read_rows(path, "pairs")
    columns = [find_column(path, header, cell_column, CELL_COLUMNS, "cell line"),
               find_column(path, header, drug_column, DRUG_COLUMNS, "drug")]
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


def read_drugs(path: Path | str, name_column: str | None = None, smiles_column: str | None = None) -> Drugs:
    """A drug table: name and SMILES columns, found by name (e.g. drug, smiles) unless named. A drug listed again
    under a name that normalises alike (GDSC1 has "Torin 2" and "torin2") is merged into its first row if the
    SMILES are the same, and refused if they differ."""
    header, rows = read_rows(path, "drugs")
    name_at = find_column(path, header, name_column, DRUG_COLUMNS, "drug name")
    smiles_at = find_column(path, header, smiles_column, SMILES_COLUMNS, "SMILES")
    names, smiles, first, merged = [], [], {}, []  # first: {name key: (line, index) of its first row}
    for line_number, fields in rows:
        if len(fields) != len(header):
            raise InputError(f"{path}: line {line_number}: {len(fields)} columns but the header names {len(header)}")
        name, text = fields[name_at].strip(), fields[smiles_at].strip()
        if not name or text in MISSING:
            raise InputError(f"{path}: line {line_number}: a drug needs a name and a SMILES")
        key = normalise(name)
        if key in first:
            first_line, i = first[key]
            if smiles[i] != text:
                raise InputError(f"{path}: line {line_number}: drug {name!r} matches {names[i]!r} of line {first_line} "
                                 f"(case, punctuation and spaces ignored) but has another SMILES; keep the right "
                                 f"row of the two, or rename one if they are different drugs")
            merged.append(f"{name} -> {names[i]}")
            continue
        first[key] = (line_number, len(names))
        names.append(name)
        smiles.append(text)
    what = f"drugs of {path} listed again with the same SMILES"
    return Drugs(path=str(path), names=names, smiles=smiles, merged={what: merged} if merged else {})


def match(response: Response, omics: list[Omics], drugs: Drugs) -> Dataset:
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

