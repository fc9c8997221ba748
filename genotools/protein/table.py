"""A user's precomputed scores of protein changes, looked up: AlphaMissense's tables (AlphaMissense_aa_substitutions
.tsv.gz: uniprot_id, protein_variant, am_pathogenicity, am_class; or its per-genome files, which also name the
transcript_id) or any TSV/CSV with a protein, a change and a score column. The file is read once, streamed, keeping
only the rows of the proteins asked for, so AlphaMissense's 216 million rows need no more memory than those."""

import csv
import gzip
import math
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.compressed import is_gzip
from genotools.io.tables import find_column, normalise
from genotools.protein.changes import Substitution, parse_change

PROTEIN_COLUMNS = {"protein", "proteinid", "transcript", "transcriptid", "uniprot", "uniprotid"}
CHANGE_COLUMNS = {"variant", "change", "mutation", "mutant", "hgvsp", "proteinchange", "proteinvariant", "aachange"}
SCORE_COLUMNS = {"ampathogenicity", "score"}


def _protein_columns(path, header):
    """Every column naming proteins: AlphaMissense's per-genome files name each by UniProt and transcript id."""
    found = [i for i, name in enumerate(header) if normalise(name) in PROTEIN_COLUMNS]
    if not found:
        raise InputError(f"{path}: line 1: no column for the proteins (uniprot_id, transcript_id); the columns are "
                         f"{', '.join(header)}")
    return found


class ScoreTable:
    """Scores by (protein, substitution) of the proteins asked for; `name` is the table's score column."""

    def __init__(self, path: Path | str, proteins: set[str]) -> None:
        if not Path(path).is_file():
            raise InputError(f"{path}: score table not found")
        opener = gzip.open if is_gzip(path) else open
        self.scores: dict[tuple[str, Substitution], float] = {}
        with opener(path, "rt", newline="") as handle:
            # AlphaMissense's copyright lines ("# ..." and "#"); its per-genome header is "#CHROM ..."
            lines = (line for line in handle if not (line.startswith("# ") or line.rstrip("\r\n") == "#"))
            header_line = next(lines, "")
            delimiter = "\t" if "\t" in header_line else ","
            header = next(csv.reader([header_line.lstrip("#")], delimiter=delimiter), [])
            protein_columns = _protein_columns(path, header)
            change_column = find_column(path, header, None, CHANGE_COLUMNS, "protein changes (protein_variant)")
            score_column = find_column(path, header, None, SCORE_COLUMNS, "scores (am_pathogenicity or score)")
            self.name = header[score_column]
            for number, fields in enumerate(csv.reader(lines, delimiter=delimiter), start=2):
                matched = {fields[i] for i in protein_columns if i < len(fields)} & proteins
                if not matched:
                    continue
                try:
                    change, score = parse_change(fields[change_column]), float(fields[score_column])
                except (IndexError, ValueError, InputError):
                    raise InputError(f"{path}: line {number}: cannot read a change and a score from "
                                     f"{delimiter.join(fields)!r}") from None
                if len(change) == 1 and math.isfinite(score):
                    self.scores.update(((protein, change[0]), score) for protein in matched)

    def of(self, protein: str):
        """The scorer of `protein`'s substitutions: the table's score, NaN where the table has none."""
        def score(sequence: str, substitutions: list[Substitution]) -> np.ndarray:
            return np.array([self.scores.get((protein, s), math.nan) for s in substitutions])
        return score
