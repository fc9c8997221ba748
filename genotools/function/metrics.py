"""CAFA metrics of predicted Gene Ontology terms (Radivojac et al. 2013, Jiang et al. 2016).

truth   genes x terms, boolean, propagated (a scipy.sparse matrix or an array)
scores  genes x terms, numpy, in [0, 1]; a term is predicted at threshold t when it scores at least t
Terms in `exclude` are not evaluated (evaluate() excludes the aspect's root, which every annotated gene has), and
only the benchmark genes count: those with at least one true term that is evaluated.
"""

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from genotools.function.ontology import Ontology

THRESHOLDS = np.arange(1, 101) / 100
BLOCK = 256  # genes, or terms, at a time: bounds the memory of the dense temporaries


def evaluate(truth: sparse.spmatrix | np.ndarray, scores: np.ndarray, ontology: Ontology,
             information_content: np.ndarray) -> dict:
    """Fmax, Smin and term-centric AUPR, with their thresholds, and the protein-centric precision and recall at
    each of THRESHOLDS, leaving out the ontology's roots."""
    roots = ontology.roots()
    f, f_threshold = fmax(truth, scores, roots)
    s, s_threshold = smin(truth, scores, information_content, roots)
    precision, recall = precision_recall(truth, scores, roots)
    return {"genes": len(_benchmark_genes(truth, _evaluated(truth.shape[1], roots))),
            "terms": truth.shape[1] - len(roots), "fmax": f, "fmax_threshold": f_threshold,
            "smin": s, "smin_threshold": s_threshold, "aupr": term_aupr(truth, scores, roots),
            "curve": {"threshold": THRESHOLDS.tolist(), "precision": precision.tolist(), "recall": recall.tolist()}}


def information_content(truth: sparse.spmatrix | np.ndarray, ontology: Ontology) -> np.ndarray:
    """IC(t) = -log2 P(t | all parents of t), estimated from `truth` (the training genes' annotations, propagated,
    terms in the ontology's order). Roots, and terms never annotated in `truth`, carry no information (0)."""
    truth = sparse.csr_matrix(truth, dtype=np.float64)
    size = len(ontology)
    parent_counts = np.array([len(parents) for parents in ontology.parents])
    parents = np.concatenate([np.zeros(0, np.int64), *ontology.parents])
    parent_to_child = sparse.csr_matrix((np.ones(len(parents)), (parents, np.repeat(np.arange(size), parent_counts))),
                                        shape=(size, size))
    counts = (truth @ parent_to_child).tocoo()  # [g, t]: how many of t's parents annotate gene g
    has_all = counts.data == parent_counts[counts.col]
    with_all_parents = np.bincount(counts.col[has_all], minlength=size)
    annotated = np.asarray(truth.sum(0)).ravel()
    # A term's genes have all its parents (the truth is propagated), so annotated > 0 implies with_all_parents > 0.
    seen = (annotated > 0) & (parent_counts > 0)
    content = np.zeros(size)
    content[seen] = -np.log2(annotated[seen] / with_all_parents[seen])
    return content


def fmax(truth: sparse.spmatrix | np.ndarray, scores: np.ndarray, exclude: Sequence[int] = ()) -> tuple[float, float]:
    """(Fmax, its threshold): the best harmonic mean of precision and recall (precision_recall) over the
    thresholds."""
    precision, recall = precision_recall(truth, scores, exclude)
    both = precision + recall
    f = np.where(both > 0, 2 * precision * recall / np.where(both > 0, both, 1), 0.0)
    best = int(np.argmax(f))
    return float(f[best]), float(THRESHOLDS[best])


def precision_recall(truth: sparse.spmatrix | np.ndarray, scores: np.ndarray,
                     exclude: Sequence[int] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The protein-centric (precision, recall) at each of THRESHOLDS: precision averaged over the genes with a
    term scoring at or above the threshold, recall over all benchmark genes."""
    weights = _evaluated(truth.shape[1], exclude)
    genes = _benchmark_genes(truth, weights)
    true_positives, false_positives = _weights_above(truth, scores, genes, weights)
    predicted = true_positives + false_positives
    covered = (predicted > 0).sum(0)
    precision = (true_positives / np.maximum(predicted, 1)).sum(0) / np.maximum(covered, 1)
    recall = (true_positives / _row_sums(truth, genes, weights)[:, None]).mean(0)
    return precision, recall


def smin(truth: sparse.spmatrix | np.ndarray, scores: np.ndarray, information_content: np.ndarray,
         exclude: Sequence[int] = ()) -> tuple[float, float]:
    """(Smin, its threshold): the least sqrt(ru^2 + mi^2) over thresholds, where ru (remaining uncertainty) is
    the information content of a gene's true terms not predicted and mi (misinformation) that of its predicted
    terms not true, each averaged over the benchmark genes."""
    weights = information_content * _evaluated(truth.shape[1], exclude)
    genes = _benchmark_genes(truth, _evaluated(truth.shape[1], exclude))
    true_above, false_above = _weights_above(truth, scores, genes, weights)
    remaining = (_row_sums(truth, genes, weights)[:, None] - true_above).mean(0)
    misinformation = false_above.mean(0)
    s = np.sqrt(remaining ** 2 + misinformation ** 2)
    best = int(np.argmin(s))
    return float(s[best]), float(THRESHOLDS[best])


def term_aupr(truth: sparse.spmatrix | np.ndarray, scores: np.ndarray, exclude: Sequence[int] = ()) -> float:
    """The mean over terms with a positive benchmark gene of each term's average precision: precision at each
    distinct score, weighted by the recall it adds (tied scores form one step), as sklearn's
    average_precision_score computes it, vectorised over blocks of terms."""
    evaluated = _evaluated(truth.shape[1], exclude)
    genes = _benchmark_genes(truth, evaluated)
    by_term = sparse.csc_matrix(truth)[genes]
    terms = np.flatnonzero(evaluated.astype(bool) & (np.diff(by_term.indptr) > 0))
    precisions = []
    for start in range(0, len(terms), BLOCK):
        block = terms[start:start + BLOCK]
        precisions.append(_average_precision(by_term[:, block].toarray(), scores[np.ix_(genes, block)]))
    return float(np.concatenate(precisions).mean())


def _average_precision(truth, scores):
    """Average precision of each column (each with a positive)."""
    order = np.argsort(-scores, axis=0, kind="stable")
    ranked_scores, ranked_truth = np.take_along_axis(scores, order, 0), np.take_along_axis(truth, order, 0)
    rank = np.arange(1, len(scores) + 1)[:, None]
    precision = np.cumsum(ranked_truth, 0) / rank
    last_of_tie = np.ones(ranked_scores.shape, bool)
    last_of_tie[:-1] = ranked_scores[:-1] != ranked_scores[1:]
    tie_end = np.where(last_of_tie, rank - 1, len(scores))
    tie_end = np.minimum.accumulate(tie_end[::-1], 0)[::-1]  # each gene's last row among its tied scores
    return (ranked_truth * np.take_along_axis(precision, tie_end, 0)).sum(0) / ranked_truth.sum(0)


def _evaluated(size, exclude):
    weights = np.ones(size)
    weights[list(exclude)] = 0
    return weights


def _row_sums(truth, genes, weights):
    return np.asarray(truth[genes] @ weights).ravel()


def _benchmark_genes(truth, evaluated):
    genes = np.flatnonzero(np.asarray(truth @ evaluated).ravel() > 0)
    if len(genes) == 0:
        raise ValueError("no gene has a true term to evaluate")
    return genes


def _weights_above(truth, scores, genes, weights):
    """genes x thresholds: the summed weights of each gene's true terms, and of its false terms, scoring at or
    above each threshold."""
    true_above, false_above = np.zeros((len(genes), len(THRESHOLDS))), np.zeros((len(genes), len(THRESHOLDS)))
    for start in range(0, len(genes), BLOCK):
        rows = genes[start:start + BLOCK]
        levels = np.searchsorted(THRESHOLDS, scores[rows], side="right")  # how many thresholds each score reaches
        is_true = truth[rows].toarray().astype(bool) if sparse.issparse(truth) else np.asarray(truth[rows], bool)
        bins = np.arange(len(rows))[:, None] * (len(THRESHOLDS) + 1) + levels
        term_weights = np.broadcast_to(weights, levels.shape)
        for above, where in ((true_above, is_true), (false_above, ~is_true)):
            counts = np.bincount(bins[where], term_weights[where], minlength=len(rows) * (len(THRESHOLDS) + 1))
            at_or_above = np.cumsum(counts.reshape(len(rows), -1)[:, ::-1], 1)[:, ::-1]
            above[start:start + len(rows)] = at_or_above[:, 1:]
    return true_above, false_above
