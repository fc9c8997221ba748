"""The phenotype table: one row per sample, its id in the first column, then the trait and covariates by name.

A trait is binary (case/control) when its values are 0/1, 1/2 (PLINK's control/case; -9 is then missing, as in
PLINK), or the words control/case; any other numbers make it quantitative. A trait needs two distinct values.
A covariate is numeric, or a column of exactly two labels (such as F/M), which becomes 0 for the first label in
sorted order and 1 for the other.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.tables import check_row_lengths, read_rows
from genotools.io.text import MISSING, check_unique_names, is_number, parse_value

TRAITS = ("auto", "binary", "quantitative")
_CASE_WORDS = {"control": 0.0, "case": 1.0}
PLINK_MISSING = -9.0  # PLINK's missing value, read as missing in a 1/2 (control/case) column only


@dataclass
class Phenotypes:
    samples: list  # in the table's order
    trait: np.ndarray | None  # float64; binary traits 0 (control) / 1 (case); NaN where missing
    binary: bool | None
    covariates: np.ndarray  # samples x covariates, float64, NaN where missing
    covariate_names: list
    covariate_levels: dict  # {covariate: [label for 0, label for 1]} of the two-label covariates


def _column_index(path, header, name, role):
    if name not in header:
        raise InputError(f"{path}: line 1: no column named {name!r} for the {role} (the columns are "
                         f"{', '.join(header)})")
    return header.index(name)


def _trait(path, rows, column, name, trait):
    """(values, binary) of the trait column; an unparseable value stops with its line, a trait without two
    distinct values stops too."""
    texts = [(n, fields[column].strip()) for n, fields in rows]
    if trait != "quantitative" and any(text.lower() in _CASE_WORDS for _, text in texts):
        for n, text in texts:
            if text not in MISSING and text.lower() not in _CASE_WORDS:
                raise InputError(f"{path}: line {n}: {name} value {text!r} is neither control nor case")
        values = np.array([_CASE_WORDS[t.lower()] if t not in MISSING else np.nan for _, t in texts])
        levels, binary = {t.lower() for _, t in texts if t not in MISSING}, True
    else:
        values = np.array([parse_value(text, path, n, name) for n, text in texts])
        levels = set(np.unique(values[~np.isnan(values)]).tolist())
        if PLINK_MISSING in levels and levels & {1.0, 2.0} and levels <= {PLINK_MISSING, 1.0, 2.0}:
            values[values == PLINK_MISSING] = np.nan
            levels.remove(PLINK_MISSING)
        binary = (levels <= {0.0, 1.0} or levels <= {1.0, 2.0}) if trait == "auto" else trait == "binary"
        if binary and not (levels <= {0.0, 1.0} or levels <= {1.0, 2.0}):
            raise InputError(f"{path}: {name} has values {', '.join(f'{v:g}' for v in sorted(levels)[:5])}; a "
                             "binary trait is 0/1, 1/2 (control/case) or control/case")
        if binary and (levels == {2.0} or levels == {1.0, 2.0}):
            values = values - 1
    if len(levels) < 2:
        shown = [value if isinstance(value, str) else f"{value:g}" for value in levels]
        found = f"only one value ({shown[0]})" if shown else "no value (all are missing)"
        need = ("a case/control study needs both cases and controls" if binary
                else "a quantitative trait needs values that differ between samples")
        raise InputError(f"{path}: {name} has {found}; {need}")
    return values, binary


def _covariate(path, rows, column, name, labels=None):
    """(values, labels): numbers, or 0/1 for a column of two labels (given, or found when `labels` is None)."""
    texts = [(n, fields[column].strip()) for n, fields in rows]
    if labels is None:
        found = sorted({text for _, text in texts if text not in MISSING and not is_number(text)})
        labels = found if len(found) == 2 else None
    if labels is None:
        return np.array([parse_value(text, path, n, name) for n, text in texts]), None
    for n, text in texts:
        if text not in MISSING and text not in labels:
            raise InputError(f"{path}: line {n}: {name} value {text!r} is neither {labels[0]!r} nor {labels[1]!r}")
    return np.array([labels.index(t) if t not in MISSING else np.nan for _, t in texts], dtype=float), labels


def read_phenotypes(path: Path | str, phenotype: str | None = None, covariates: Sequence[str] = (), trait: str = "auto",
                    levels: dict[str, list[str]] | None = None) -> Phenotypes:
    """The sample ids, the `phenotype` column (none when None) and the `covariates` columns of a TSV or CSV table;
    `levels` fixes the labels of two-label covariates ({name: [label for 0, label for 1]}, e.g. a model's)."""
    header, rows = read_rows(path, "phenotype")
    header = [name.strip().lstrip("#") for name in header]
    check_unique_names(path, 1, [name for name in header if name], "column")  # else one of them would be read
    if not rows:
        raise InputError(f"{path}: phenotype table has a header but no samples")
    check_row_lengths(path, header, rows)
    samples = [fields[0].strip() for _, fields in rows]
    seen = set()
    for (n, _), sample in zip(rows, samples):
        if sample in seen:
            raise InputError(f"{path}: line {n}: sample {sample!r} appears twice")
        seen.add(sample)
    values, binary = (_trait(path, rows, _column_index(path, header, phenotype, "phenotype"), phenotype, trait)
                      if phenotype else (None, None))
    columns, found_levels = [], {}
    for name in covariates:
        column, labels = _covariate(path, rows, _column_index(path, header, name, "covariate"), name,
                                    (levels or {}).get(name))
        columns.append(column)
        if labels:
            found_levels[name] = labels
    matrix = np.column_stack(columns) if columns else np.empty((len(samples), 0))
    return Phenotypes(samples, values, binary, matrix, list(covariates), found_levels)


def parse_covariate_list(text: str | None) -> list[str]:
    """['age', 'sex', 'PC1', 'PC2', 'PC3'] from 'age,sex,PC1..PC3' (a range like PC1..PC3 expands)."""
    names = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        first, dots, last = item.partition("..")
        if dots:
            prefix = first.rstrip("0123456789")
            start, stop = first[len(prefix):], last[len(prefix):] if last.startswith(prefix) else ""
            if not (start.isdigit() and stop.isdigit() and last.startswith(prefix) and int(start) <= int(stop)):
                raise InputError(f"--covariates: {item!r} is not a range like PC1..PC10")
            names += [f"{prefix}{i}" for i in range(int(start), int(stop) + 1)]
        else:
            names.append(item)
    if len(set(names)) != len(names):
        raise InputError(f"--covariates {text!r}: names a column twice")
    return names


def match_samples(vcf_names: list[str],
                  phenotypes: Phenotypes) -> tuple[list[str], np.ndarray, dict[str, list[str]]]:
    """(samples to analyse in VCF order, their rows in the phenotype table, {reason: [samples] left out}): a sample
    must be in both files, with its trait (when the table has one) and every covariate."""
    row_of = {name: i for i, name in enumerate(phenotypes.samples)}
    in_vcf = set(vcf_names)
    left_out = {"not in the phenotype table": [name for name in vcf_names if name not in row_of],
                "not in the VCF": [name for name in phenotypes.samples if name not in in_vcf]}
    kept, rows = [], []
    for name in vcf_names:
        row = row_of.get(name)
        if row is None:
            continue
        if phenotypes.trait is not None and np.isnan(phenotypes.trait[row]):
            left_out.setdefault("missing phenotype", []).append(name)
        elif np.isnan(phenotypes.covariates[row]).any():
            left_out.setdefault("missing covariate", []).append(name)
        else:
            kept.append(name)
            rows.append(row)
    return kept, np.array(rows, dtype=np.int64), {reason: names for reason, names in left_out.items() if names}
