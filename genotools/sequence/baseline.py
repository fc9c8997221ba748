"""The classical baseline a sequence model has to beat: k-mer counts with a regularised linear model.

Each window is described by the frequencies of its k-mers, plain and gapped (k informative bases with don't-care
positions in the middle, as gkm-SVM counts them), a k-mer and its reverse complement counted together. A logistic
regression (binary tasks) or ridge regression (regression tasks) per task, L2-penalised, is fitted on the training
windows with the penalty chosen on the validation windows (AUROC, or Pearson's r).
"""

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from genotools.sequence.models.kmer import KmerLinear, pattern_offsets

# (informative bases, don't-care positions in their middle)
PATTERNS = ((6, 0), (6, 1), (6, 2))
# Inverse regularisation strengths tried (C of the logistic regression; ridge's alpha is 1 / C).
PENALTIES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)
# Training (and validation) windows the linear models see at most, a seeded sample beyond: plenty for a linear
# fit of 6,240 features. Fitting on 20,000 windows peaks at 2.0 GiB (their features, and the float64 copy that
# scikit-learn's L-BFGS makes of them); on 50,000, at 4.2 GiB, more than genome-scale training needs besides.
MAX_WINDOWS = 20_000
_CHUNK = 4096


@dataclass
class Baseline:
    name: str
    patterns: tuple
    penalties: list  # the C chosen per task on the validation windows (None for a task without two classes)
    predictions: dict  # 'valid' and 'test' -> (windows, tasks) float32: logits for binary tasks, values otherwise
    weights: np.ndarray  # (features, tasks), on the standardised features
    bias: np.ndarray  # (tasks,)
    feature_mean: np.ndarray  # the standardisation of the features
    feature_scale: np.ndarray


def _canonical_columns(k: int) -> tuple[np.ndarray, int]:
    """Column of each of the 4**k k-mers once a k-mer and its reverse complement share one, and the column count.
    Reverse-complementing a symmetric gapped pattern gives the same pattern, so the plain rule serves both."""
    index = np.arange(4**k)
    digits = (index[:, None] // 4 ** np.arange(k - 1, -1, -1)) % 4
    reverse = ((3 - digits[:, ::-1]) * 4 ** np.arange(k - 1, -1, -1)).sum(axis=1)
    _, columns = np.unique(np.minimum(index, reverse), return_inverse=True)
    return columns, int(columns.max()) + 1


def kmer_features(onehot: np.ndarray, patterns: tuple) -> np.ndarray:
    """(windows, features) float32: per pattern, the frequency of each reverse-complement-collapsed k-mer among the
    window's positions where the pattern covers no N."""
    blocks = []
    for k, gap in patterns:
        offsets = np.array(pattern_offsets(k, gap))
        columns, n_columns = _canonical_columns(k)
        out = np.zeros((len(onehot), n_columns), dtype=np.float32)
        for first in range(0, len(onehot), _CHUNK):
            chunk = onehot[first:first + _CHUNK]
            codes = np.where(chunk.any(axis=2), chunk.argmax(axis=2), -1)
            windows = np.lib.stride_tricks.sliding_window_view(codes, offsets[-1] + 1, axis=1)[..., offsets]
            valid = (windows >= 0).all(axis=2)
            kmers = (np.maximum(windows, 0) * 4 ** np.arange(k - 1, -1, -1)).sum(axis=2)
            cells = np.arange(len(chunk))[:, None] * n_columns + columns[kmers]
            counts = np.bincount(cells[valid], minlength=len(chunk) * n_columns).reshape(len(chunk), n_columns)
            out[first:first + len(chunk)] = counts / np.maximum(valid.sum(axis=1, keepdims=True), 1)
        blocks.append(out)
    return np.concatenate(blocks, axis=1)


def _describe(patterns):
    return ", ".join(f"{k}-mers" if gap == 0 else f"{k}-mers with {gap} gap{'s' * (gap > 1)}" for k, gap in patterns)


def kmer_baseline(onehot: np.ndarray, labels: np.ndarray, task_types: list[str], splits: dict[str, np.ndarray],
                  seed: int = 0, patterns: tuple = PATTERNS) -> Baseline:
    """Fit the k-mer baseline on splits['train'], choose each task's penalty on splits['valid'] (each at most
    MAX_WINDOWS of them, a seeded sample) and predict the valid and test windows."""
    rng = np.random.default_rng(seed)
    train, valid = (np.sort(rng.choice(index, MAX_WINDOWS, replace=False)) if len(index) > MAX_WINDOWS else index
                    for index in (splits["train"], splits["valid"]))
    scaler = StandardScaler(copy=False)
    train_x = scaler.fit_transform(kmer_features(onehot[train], patterns))
    valid_x = scaler.transform(kmer_features(onehot[valid], patterns))
    weights = np.zeros((train_x.shape[1], len(task_types)), dtype=np.float32)
    bias = np.zeros(len(task_types), dtype=np.float32)  # a task with one class in training: a constant 0
    chosen = []
    for task, kind in enumerate(task_types):
        y, y_valid = labels[train, task], labels[valid, task]
        fit_rows, valid_rows = ~np.isnan(y), ~np.isnan(y_valid)
        fits = _penalty_path(train_x if fit_rows.all() else train_x[fit_rows], y[fit_rows], kind)
        scores = [score(valid_x[valid_rows] @ w + b, y_valid[valid_rows], kind) for w, b in fits]
        best = int(np.argmax(scores)) if fits else None
        if best is not None:
            weights[:, task], bias[task] = fits[best]
        chosen.append(None if best is None else PENALTIES[best])
    predictions = {}
    for name in ("valid", "test"):
        predictions[name] = np.concatenate(
            [scaler.transform(kmer_features(onehot[splits[name][first:first + _CHUNK]], patterns)) @ weights + bias
             for first in range(0, len(splits[name]), _CHUNK)] or [np.empty((0, len(task_types)), np.float32)])
    kinds = " and ".join(sorted({"logistic" if kind == "binary" else "ridge" for kind in task_types}))
    return Baseline(f"L2 {kinds} regression on k-mer frequencies ({_describe(patterns)}; reverse complements "
                    "together)", patterns, chosen, predictions, weights, bias, scaler.mean_, scaler.scale_)


def kmer_layer(baseline: Baseline, target_mean: list, target_std: list) -> KmerLinear:
    """The baseline as a network layer whose outputs are on the network's scale: logits for binary tasks,
    (value - target_mean) / target_std for regression tasks."""
    mean, std = np.asarray(target_mean), np.asarray(target_std)
    weights = baseline.weights / baseline.feature_scale[:, None] / std
    layer = KmerLinear(list(baseline.patterns), len(std))
    first = 0
    for i, (k, _) in enumerate(baseline.patterns):
        columns, n_columns = _canonical_columns(k)
        getattr(layer, f"weight{i}").copy_(torch.from_numpy(weights[first : first + n_columns][columns]))
        first += n_columns
    offset = baseline.bias - (baseline.feature_mean / baseline.feature_scale) @ baseline.weights
    layer.bias.copy_(torch.from_numpy((offset - mean) / std))
    return layer


def _penalty_path(x, y, kind):
    """(weights, bias) of the model fitted with each of PENALTIES, strongest penalty first; [] for a binary task
    with one class. Each logistic fit starts from the previous one's solution, which makes the path fast."""
    if kind != "binary":
        return [(model.coef_, model.intercept_) for model in
                (Ridge(alpha=1 / penalty, solver="lsqr").fit(x, y) for penalty in PENALTIES)]
    if len(np.unique(y)) < 2:
        return []
    model = LogisticRegression(warm_start=True, max_iter=1000)
    return [(model.set_params(C=penalty).fit(x, y).coef_[0].copy(), model.intercept_[0]) for penalty in PENALTIES]


def score(output: np.ndarray, y: np.ndarray, kind: str) -> float:
    """What the validation windows choose by: AUROC for a binary task, Pearson's r otherwise (0 where undefined)."""
    if kind == "binary":
        return roc_auc_score(y, output) if 0 < y.sum() < len(y) else 0.0
    return np.corrcoef(output, y)[0, 1] if np.ptp(output) > 0 and np.ptp(y) > 0 else 0.0
