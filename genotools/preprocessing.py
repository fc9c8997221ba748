"""Omics preprocessing fitted on training cell lines only, so no statistic of a test cell line leaks into a
model: the most variable features are kept, missing values are imputed with the training mean, and each kept
feature is standardised with the training mean and standard deviation. The fitted statistics are plain arrays,
to be saved with a model and applied unchanged at prediction."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.errors import InputError


@dataclass
class Standardiser:
    selected: np.ndarray  # indices of the kept features, ascending
    mean: np.ndarray
    scale: np.ndarray

    def transform(self, matrix: np.ndarray) -> np.ndarray:
        """Standardised kept features (float32); a missing value becomes 0, the training mean."""
        scaled = (matrix[:, self.selected].astype(np.float64) - self.mean) / self.scale
        return np.nan_to_num(scaled, nan=0.0).astype(np.float32)


def fit_standardiser(matrix: np.ndarray, train_rows: np.ndarray | list[int], n_features: int = 1000) -> Standardiser:
    """Fit on the rows `train_rows` of `matrix` (cell lines x features): keep the `n_features` features of
    highest variance among them (ties broken by column order)."""
    train = matrix[train_rows].astype(np.float64)
    observed = ~np.isnan(train)
    counts = observed.sum(0)
    mean = np.where(counts > 0, np.nansum(train, 0) / np.maximum(counts, 1), 0.0)
    variance = np.where(observed, (train - mean) ** 2, 0.0).sum(0) / np.maximum(counts, 1)
    selected = np.sort(np.argsort(-variance, kind="stable")[:n_features])
    scale = np.sqrt(variance[selected])
    return Standardiser(selected=selected, mean=mean[selected], scale=np.where(scale > 0, scale, 1.0))


@dataclass
class Preprocessing:
    """One Standardiser per omics matrix; a cell line's features are their standardised values side by side."""
    standardisers: list

    def transform(self, matrices: list[np.ndarray]) -> np.ndarray:
        return np.hstack([s.transform(m) for s, m in zip(self.standardisers, matrices)])


def fit_preprocessing(matrices: list[np.ndarray], train_rows: np.ndarray | list[int],
                      n_features: int) -> Preprocessing:
    return Preprocessing([fit_standardiser(matrix, train_rows, n_features) for matrix in matrices])


def log_transform(values: np.ndarray, source: Path | str) -> np.ndarray:
    """log2(x + 1), for counts or TPM; negative values mean the matrix is already transformed."""
    if np.nanmin(values, initial=0) < 0:
        raise InputError(f"{source}: negative values cannot be log-transformed (is the matrix already on a log "
                         "scale?); leave out --log")
    return np.log2(values + 1)
