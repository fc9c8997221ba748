"""How well |DIFF| from genotools-score-variants separates the simulated variants that change a task's label
from those that do not (AUROC per task), using the TRUE_DELTA_<task> INFO fields of test-data/variants.vcf.

Run: .venv/bin/python benchmarks/variant_effects.py results/demo/variants.scored.vcf.gz
"""

import sys

import numpy as np
import pysam
from sklearn.metrics import roc_auc_score


def main(path):
    with pysam.VariantFile(path) as vcf:
        tasks = [key[len("TRUE_DELTA_"):] for key in vcf.header.info if key.startswith("TRUE_DELTA_")]
        rows = [[(r.info[f"TRUE_DELTA_{t}"], r.info[f"GENOTOOLS_DIFF_{t}"][0]) for t in tasks]
                for r in vcf if r.info["GENOTOOLS_STATUS"][0] == "scored"]
    pairs = np.array(rows)  # (variants, tasks, [truth, diff])
    for j, task in enumerate(tasks):
        truth, diff = pairs[:, j, 0], pairs[:, j, 1]
        print(f"variant effects, {task}: AUROC of |DIFF| for the {int((truth != 0).sum())} of {len(truth)} "
              f"variants that change the label: {roc_auc_score(truth != 0, np.abs(diff)):.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
