"""K-fold cross-validation folds of (cell line, drug) measurements.

random      measurements are assigned to folds at random: a test pair's cell line and drug are both seen in training
cell-blind  cell lines are assigned to folds: no test cell line is in training (a new tumour)
drug-blind  drugs are assigned to folds: no test drug is in training (a new compound)
"""

import numpy as np

from genotools.drugs.tables import Dataset
from genotools.errors import InputError

SPLITS = ("random", "cell-blind", "drug-blind")
UNITS = {"random": "measurements", "cell-blind": "cell lines", "drug-blind": "drugs"}  # what a split assigns


def _groups(dataset, split):
    """What the split assigns to folds, for each measurement."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    return {"random": np.arange(len(dataset.values)), "cell-blind": dataset.cell_index,
            "drug-blind": dataset.drug_index}[split]


def assign_folds(dataset: Dataset, split: str, folds: int = 5, seed: int = 0) -> np.ndarray:
    """The fold (0 .. folds - 1) of each measurement; the same arguments give the same folds."""
    groups = _groups(dataset, split)
    count = int(groups.max()) + 1
    if not 2 <= folds <= count:
        raise InputError(f"cannot split {count} {UNITS[split]} into {folds} folds ({split} split); "
                         f"choose 2 to {count} folds")
    fold_of_group = np.empty(count, dtype=np.int64)
    fold_of_group[np.random.default_rng(seed).permutation(count)] = np.arange(count) % folds
    return fold_of_group[groups]


def train_test(folds: np.ndarray, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and test measurements of one fold."""
    return np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)


def hold_out(dataset: Dataset, rows: np.ndarray, split: str, fraction: float = 0.1,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The measurements `rows` divided into (fit, validation) as the split divides folds: a `fraction` of their
    cell lines, drugs or measurements, at least one, is held out for validation."""
    groups = _groups(dataset, split)[rows]
    unique = np.unique(groups)
    if len(unique) < 2:
        raise InputError(f"a training set of the {split} split has only {len(unique)} of its {UNITS[split]}; at "
                         "least 2 are needed to hold one out for early stopping")
    chosen = np.random.default_rng(seed).choice(unique, max(1, round(fraction * len(unique))), replace=False)
    validation = np.isin(groups, chosen)
    return rows[~validation], rows[validation]
