"""Baselines a gene-function model must beat, fitted on the training genes of a split only.

naive       each term's frequency among the training genes, the same for every test gene
neighbours  guilt by association: the weighted fraction of a test gene's training neighbours in an interaction
            network that are annotated with each term
Each takes propagated annotations (genes x terms), the training and test gene indices, and returns test genes x
terms scores. Both are consistent with the ontology as they are: a gene annotated with a term is annotated with
its ancestors, so a parent's frequency, or fraction of neighbours, is never below its child's.
"""

import numpy as np
from scipy import sparse

BLOCK = 1024  # test genes at a time: bounds the memory of the sparse products


def naive(truth: sparse.spmatrix | np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Term frequencies among the training genes, one row per test gene (a read-only view of one row)."""
    frequencies = np.asarray(truth[train].sum(0), dtype=np.float64).ravel() / len(train)
    return np.broadcast_to(frequencies, (len(test), truth.shape[1]))


def neighbours(truth: sparse.spmatrix | np.ndarray, adjacency: sparse.spmatrix, train: np.ndarray,
               test: np.ndarray) -> np.ndarray:
    """For each test gene, each term's share of the summed edge weight to its training neighbours that goes to
    neighbours annotated with the term. `adjacency` is genes x genes (scipy.sparse) over the genes of `truth`
    (see network.aligned). A test gene without training neighbours gets the naive scores."""
    to_train = sparse.csr_matrix(adjacency)[test][:, train]
    training_truth = sparse.csr_matrix(truth[train], dtype=np.float64)
    weight = np.asarray(to_train.sum(1)).ravel()
    scores = np.array(naive(truth, train, test))
    for start in range(0, len(test), BLOCK):
        rows = np.arange(start, min(start + BLOCK, len(test)))
        connected = rows[weight[rows] > 0]
        scores[connected] = (to_train[connected] @ training_truth).toarray() / weight[connected, None]
    return scores
