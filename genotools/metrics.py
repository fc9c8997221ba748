"""Evaluation: AUROC and AUPRC for binary tasks; Pearson and Spearman correlation (and RMSE) for regression tasks,
overall or averaged over groups such as drugs."""

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score


def task_metrics(truth: np.ndarray, predicted: np.ndarray, task_names: list[str],
                 task_types: list[str]) -> dict[str, dict]:
    """{task: metrics} over the sequences where the task has a label; a metric that is undefined is None."""
    report = {}
    for j, (name, kind) in enumerate(zip(task_names, task_types)):
        labelled = ~np.isnan(truth[:, j])
        y, p = truth[labelled, j], predicted[labelled, j]
        if kind == "binary":
            both_classes = 0 < y.sum() < len(y)
            report[name] = {
                "n": int(len(y)),
                "positives": int(y.sum()),
                "auroc": float(roc_auc_score(y, p)) if both_classes else None,
                "auprc": float(average_precision_score(y, p)) if both_classes else None,
            }
        else:
            report[name] = {"n": int(len(y)), **correlations(y, p)}
    return report


def correlations(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    """Pearson and Spearman correlation; None where undefined (fewer than 3 values, or either side constant)."""
    varied = len(truth) > 2 and np.ptp(truth) > 0 and np.ptp(predicted) > 0
    return {"pearson": float(pearsonr(truth, predicted)[0]) if varied else None,
            "spearman": float(spearmanr(truth, predicted)[0]) if varied else None}


def regression_metrics(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    return {"n": int(len(truth)), **correlations(truth, predicted),
            "rmse": float(np.sqrt(np.mean((truth - predicted) ** 2)))}


def grouped_metrics(truth: np.ndarray, predicted: np.ndarray, groups: np.ndarray) -> dict[str, dict]:
    """Metrics over all values ("overall") and the mean of each metric over the groups where it is defined
    ("mean_per_group", e.g. per drug: how well the ranking within one drug is predicted)."""
    per_group = [regression_metrics(truth[groups == g], predicted[groups == g]) for g in np.unique(groups)]
    means = {key: float(np.mean(defined)) if (defined := [m[key] for m in per_group if m[key] is not None]) else None
             for key in ("pearson", "spearman", "rmse")}
    return {"overall": regression_metrics(truth, predicted), "mean_per_group": {"groups": len(per_group), **means}}
