"""Per-task evaluation: AUROC and AUPRC for binary tasks, Pearson and Spearman correlation for regression tasks."""

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score


def task_metrics(truth, predicted, task_names, task_types):
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
            varied = len(y) > 2 and np.ptp(y) > 0 and np.ptp(p) > 0
            report[name] = {
                "n": int(len(y)),
                "pearson": float(pearsonr(y, p)[0]) if varied else None,
                "spearman": float(spearmanr(y, p)[0]) if varied else None,
            }
    return report
