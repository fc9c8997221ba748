"""Baselines a gene-function model must beat, fitted on the training genes of a split only.

naive        each term's frequency among the training genes, the same for every test gene
neighbours   guilt by association: the weighted fraction of a test gene's training neighbours in an interaction
             network that are annotated with each term
random walk  guilt by association over several steps (network.walk_shares, restart 0.3): label propagation,
             the strong classical method of network-based function prediction (Mostafavi et al. 2008)
Each takes propagated annotations (genes x terms), the training and test gene indices, and returns test genes x
terms scores. Each is consistent with the ontology as it is: a gene annotated with a term is annotated with its
ancestors, so a parent's frequency, or share of the genes reached, is never below its child's. A test gene that
reaches no training gene gets the naive scores.
"""

import numpy as np
from scipy import sparse

from genotools.function.network import RESTART, walk_shares


def naive(truth: sparse.spmatrix | np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Term frequencies among the training genes, one row per test gene (a read-only view of one row)."""
    return np.broadcast_to(_frequencies(truth, train), (len(test), truth.shape[1]))


def neighbours(truth: sparse.spmatrix | np.ndarray, adjacency: sparse.spmatrix, train: np.ndarray,
               test: np.ndarray) -> np.ndarray:
    """For each test gene, each term's share of the summed edge weight to its training neighbours that goes to
    neighbours annotated with the term. `adjacency` is genes x genes (scipy.sparse) over the genes of `truth`
    (see network.aligned)."""
    return random_walk(truth, adjacency, train, test, restart=1)


def random_walk(truth: sparse.spmatrix | np.ndarray, adjacency: sparse.spmatrix, train: np.ndarray,
                test: np.ndarray, restart: float = RESTART) -> np.ndarray:
    """For each test gene, each term's share of the training genes a random walk from it reaches."""
    known = np.isin(np.arange(truth.shape[0]), train)
    labels = truth.toarray() if sparse.issparse(truth) else np.asarray(truth)
    return walk_shares(adjacency, labels, known, _frequencies(truth, train), restart)[test]


def _frequencies(truth, train):
    return np.asarray(truth[train].sum(0), dtype=np.float64).ravel() / len(train)
