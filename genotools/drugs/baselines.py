"""Baselines a drug-response model must beat, each fitted on the training measurements of a fold only.

per-drug mean       a drug's mean response over the training cell lines (random and cell-blind splits)
per-drug ridge      for each drug, ridge regression of the response on the cell lines' omics (random and
                    cell-blind splits)
Tanimoto neighbours for a new drug, the similarity-weighted mean response of the same cell line to the k most
                    similar training drugs by fingerprint (drug-blind split)
Each takes the dataset and the training and test indices of its measurements, and returns test predictions.
"""

from collections.abc import Callable

import numpy as np
from sklearn.linear_model import Ridge
from threadpoolctl import threadpool_limits

from genotools.drugs.splits import train_test
from genotools.drugs.tables import Dataset
from genotools.preprocessing import fit_preprocessing


def per_drug_mean(dataset: Dataset, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    sums = np.bincount(dataset.drug_index[train], dataset.values[train], minlength=len(dataset.drugs))
    counts = np.bincount(dataset.drug_index[train], minlength=len(dataset.drugs))
    means = np.where(counts > 0, sums / np.maximum(counts, 1), dataset.values[train].mean())
    return means[dataset.drug_index[test]]


def fit_per_drug_ridge(features: np.ndarray, dataset: Dataset, rows: np.ndarray,
                       targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression of `targets` (one per measurement of `rows`) on the cell lines' `features`, for each
    drug: (weights, features x drugs; intercepts, per drug). A drug with fewer than two measurements gets
    weights 0 and the mean of all the targets. The penalty is the number of features, the mean eigenvalue of
    the cell lines' kernel: directions of above-average variance are kept, the others shrunk, whatever the
    data's size (choosing it per drug by leave-one-out costs four times as much, over thousands of fits on GDSC)."""
    weights = np.zeros((features.shape[1], len(dataset.drugs)), dtype=np.float32)
    intercepts = np.full(len(dataset.drugs), targets.mean(), dtype=np.float32)
    drug = dataset.drug_index[rows]
    # One BLAS thread: each fit is small (about 700 x 2000), and on shared cores OpenBLAS's spinning threads
    # made each fit 30 times slower (1.7 s against 0.055 s).
    with threadpool_limits(1, user_api="blas"):
        for index in np.unique(drug):
            at = drug == index
            if at.sum() > 1:
                fitted = Ridge(alpha=features.shape[1]).fit(features[dataset.cell_index[rows[at]]], targets[at])
                weights[:, index], intercepts[index] = fitted.coef_, fitted.intercept_
    return weights, intercepts


def per_drug_ridge(dataset: Dataset, train: np.ndarray, test: np.ndarray, n_features: int = 2000) -> np.ndarray:
    """Each omics matrix keeps its `n_features` most variable features, standardised (both fitted on the
    training cell lines); a drug without training measurements gets the training mean."""
    features = fit_preprocessing(dataset.omics, np.unique(dataset.cell_index[train]), n_features
                                 ).transform(dataset.omics)
    weights, intercepts = fit_per_drug_ridge(features, dataset, train, dataset.values[train])
    predicted = features @ weights + intercepts  # cell lines x drugs
    return predicted[dataset.cell_index[test], dataset.drug_index[test]]


def tanimoto_neighbours(dataset: Dataset, train: np.ndarray, test: np.ndarray, similarity: np.ndarray,
                        k: int = 5) -> np.ndarray:
    """`similarity`: drugs x drugs Tanimoto similarity of the dataset's drugs. For each test measurement, the
    cell line's training responses to the k drugs most similar to the test drug, weighted by similarity (an
    unweighted mean where they are all 0); the training mean for a cell line without training measurements."""
    response = np.full((len(dataset.cells), len(dataset.drugs)), np.nan)
    response[dataset.cell_index[train], dataset.drug_index[train]] = dataset.values[train]
    predictions = np.full(len(test), dataset.values[train].mean())
    for drug in np.unique(dataset.drug_index[test]):
        others = np.array([d for d in np.argsort(-similarity[drug], kind="stable") if d != drug])
        ranked = response[:, others]  # cell lines x other drugs, most similar first
        measured = ~np.isnan(ranked)
        nearest = measured & (np.cumsum(measured, axis=1) <= k)
        weights = np.where(nearest, similarity[drug, others], 0.0)
        values = np.where(nearest, ranked, 0.0)
        total = weights.sum(1)
        estimate = np.where(total > 0, (weights * values).sum(1) / np.where(total > 0, total, 1),
                            values.sum(1) / np.maximum(nearest.sum(1), 1))
        at = np.flatnonzero(dataset.drug_index[test] == drug)
        cells = dataset.cell_index[test[at]]
        predictions[at] = np.where(nearest[cells].any(1), estimate[cells], predictions[at])
    return predictions


def out_of_fold(dataset: Dataset, folds: np.ndarray, baseline: Callable[..., np.ndarray],
                **options: object) -> np.ndarray:
    """Each measurement's prediction by `baseline` fitted on the other folds."""
    predictions = np.empty(len(dataset.values))
    for fold in np.unique(folds):
        train, test = train_test(folds, fold)
        predictions[test] = baseline(dataset, train, test, **options)
    return predictions
