"""Cross-validation and training of the drug-response model, an ensemble of networks.

Training runs over the response as a matrix of cell lines x drugs: a step takes a batch of cell lines with every
drug and the loss is the mean squared error over the entries measured in the training set. Each network (a run)
holds out its own tenth of the training groups (cell lines, drugs or measurements, as the split does) to stop
early on, so the networks of an ensemble differ in their data as well as their initial weights. The runs are the
networks of each of the K folds, then those of the final model, trained on every measurement, which is saved.
The omics preprocessing and the response scaling are fitted on the training cell lines and measurements only.

The response is standardised per drug where every drug to predict has training measurements (random and
cell-blind splits), so each network spends itself on the differences between cell lines that per-drug
correlation measures; in a drug-blind split, where a new drug has no mean of its own, it is standardised as a
whole. In random and cell-blind splits the model is the mean of the networks' mean and a per-drug ridge
regression on the same features (the per-drug ridge baseline): on GDSC2 (cell-blind, 5 folds), the networks
alone reached a mean per-drug Pearson of 0.559, the ridge 0.563, the model 0.574 (benchmarks/drug_response.py).

The networks are fitted by the shared loop (genotools.fit) as one job, whose checkpoint, written after every
epoch, also holds the out-of-fold predictions made so far and the finished networks of the final model: a resumed
cross-validation ends exactly as an unbroken one would (on the same device and thread count).
"""

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genotools.drugs.baselines import fit_per_drug_ridge
from genotools.drugs.chemistry import Graphs
from genotools.drugs.model import Ensemble, PerDrugRidge, build_drug_model
from genotools.drugs.splits import hold_out, train_test
from genotools.drugs.tables import Dataset
from genotools.fit import Job, Progress, Schedule
from genotools.preprocessing import fit_preprocessing
from genotools.runtime import autocast, seed_everything


@dataclass
class DrugTrainConfig:
    split: str = "cell-blind"
    folds: int = 5
    features: int = 2000
    drug_encoder: str = "both"
    ensemble: int = 5
    epochs: int = 100
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-2
    patience: int = 10
    precision: str = "fp32"
    seed: int = 0


@dataclass
class TrainedModel:
    model: Ensemble
    preprocessing: object  # the Preprocessing fitted on the training cell lines
    target_mean: np.ndarray  # per drug of the dataset: the network predicts (response - mean) / std
    target_std: np.ndarray
    references: list  # per network, the number of training drugs of its similarity encoder (0 without one)


@dataclass
class CrossValidation:
    predictions: np.ndarray  # out-of-fold prediction of every measurement
    runs: list  # {run, best_epoch, history} per network of each fold, then of the final model
    final: TrainedModel  # trained on every measurement: the model to save (None when not asked for)


def drug_tensors(fingerprints: np.ndarray, graphs: Graphs, device: torch.device,
                 index: np.ndarray | None = None) -> dict[str, torch.Tensor]:
    """The model's drug input: fingerprints, the molecular graphs and, for a per-drug ridge, each drug's
    position among the training drugs (`index`; by default the drugs are the training drugs, in order)."""
    index = np.arange(len(fingerprints)) if index is None else index
    return {"index": torch.from_numpy(index).to(device),
            "fingerprints": torch.from_numpy(fingerprints).float().to(device),
            "atoms": torch.from_numpy(graphs.atoms).to(device), "edges": torch.from_numpy(graphs.edges).to(device),
            "molecule": torch.from_numpy(graphs.molecule).to(device)}


def predict_matrix(model: nn.Module, cells: np.ndarray, drugs: dict[str, torch.Tensor], device: torch.device,
                   batch_size: int, precision: str = "fp32") -> np.ndarray:
    """Predictions (in the network's scaled units) for every row of `cells` (numpy) with every drug."""
    model.eval()
    parts = []
    with torch.no_grad(), autocast(device, precision):
        for start in range(0, len(cells), batch_size):
            batch = torch.from_numpy(cells[start : start + batch_size]).to(device)
            parts.append(model(batch, drugs).float().cpu().numpy())
    return np.concatenate(parts) if parts else np.empty((0, len(drugs["fingerprints"])), dtype=np.float32)


def target_scaling(dataset: Dataset, rows: np.ndarray, per_drug: bool) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) per drug of the dataset, fitted on the measurements `rows`: each drug's own where `per_drug`
    and the drug has training measurements (a spread, for the std), else those of all the rows."""
    values, drug = dataset.values[rows], dataset.drug_index[rows]
    mean, std = np.full(len(dataset.drugs), values.mean()), np.full(len(dataset.drugs), values.std() or 1.0)
    if per_drug:
        counts = np.bincount(drug, minlength=len(dataset.drugs))
        drug_mean = np.bincount(drug, values, len(dataset.drugs)) / np.maximum(counts, 1)
        drug_std = np.sqrt(np.bincount(drug, (values - drug_mean[drug]) ** 2, len(dataset.drugs))
                           / np.maximum(counts, 1))
        mean = np.where(counts > 0, drug_mean, mean)
        std = np.where((counts > 1) & (drug_std > 0), drug_std, std)
    return mean, std


def _target_matrix(dataset, rows, mean, std):
    matrix = np.full((len(dataset.cells), len(dataset.drugs)), np.nan, dtype=np.float32)
    drug = dataset.drug_index[rows]
    matrix[dataset.cell_index[rows], drug] = (dataset.values[rows] - mean[drug]) / std[drug]
    return torch.from_numpy(matrix)


def _masked_mse(outputs, targets):
    measured = ~torch.isnan(targets)
    return ((outputs - torch.nan_to_num(targets)) ** 2 * measured).sum() / measured.sum().clamp(min=1)


def cross_validate(dataset: Dataset, fingerprints: np.ndarray, graphs: Graphs, folds: np.ndarray,
                   config: DrugTrainConfig, device: torch.device, checkpoint_path: Path | str,
                   resume_from: Path | str | None = None, progress: Progress | None = None,
                   train_final: bool = True) -> CrossValidation:
    """Out-of-fold predictions for every measurement of `dataset` (folds: the fold of each), then, if
    `train_final`, the final model trained on them all. `progress` (a genotools.fit.Progress) hears of each
    network's epochs."""
    drugs = drug_tensors(fingerprints, graphs, device)
    per_drug = config.split != "drug-blind"
    job = Job(checkpoint_path, {**dataclasses.asdict(config), "measurements": len(dataset.values)}, resume_from)
    records = job.kept.setdefault("runs", [])
    final_references = job.kept.setdefault("references", [])  # of the final model's finished networks
    # a view of the checkpoint's tensor, so what is added to it is saved
    predictions = job.tensors.setdefault("predictions", torch.zeros(len(dataset.values), dtype=torch.float64)).numpy()

    groups = [*range(config.folds), *([None] if train_final else [])]
    runs = [(fold, network) for fold in groups for network in range(config.ensemble)]
    for run in range(job.run, len(runs)):
        fold, network = runs[run]  # fold None: the final model, on every measurement
        train, test = (train_test(folds, fold) if fold is not None
                       else (np.arange(len(dataset.values)), np.array([], dtype=np.int64)))
        name = (f"fold {fold + 1}/{config.folds}" if fold is not None else "final model") + (
            f", network {network + 1}/{config.ensemble}" if config.ensemble > 1 else "")
        preprocessing = fit_preprocessing(dataset.omics, np.unique(dataset.cell_index[train]), config.features)
        features = preprocessing.transform(dataset.omics)
        mean, std = target_scaling(dataset, train, per_drug)
        fitted, references = _fit_network(job, name, run, dataset, features, drugs, fingerprints, train, mean, std,
                                          config, device, progress)
        if fold is not None:
            shares = [(fitted.model, (0.5 if per_drug else 1.0) / config.ensemble)]
            if per_drug and network == 0:
                shares.append((_per_drug_ridge(features, dataset, train, mean, std).to(device), 0.5))
            drug = dataset.drug_index[test]
            for model, weight in shares:
                scaled = predict_matrix(model, features, drugs, device, config.batch_size, config.precision)
                predictions[test] += weight * (scaled[dataset.cell_index[test], drug] * std[drug] + mean[drug])
        else:
            job.tensors.update({f"final.{network}.{k}": v for k, v in fitted.model.state_dict().items()})
            final_references.append(references)
        records.append({"run": name, "best_epoch": fitted.best_epoch, "history": fitted.history})
    final = None
    if train_final:
        networks = nn.ModuleList(build_drug_model(features.shape[1], fingerprints.shape[1], config.drug_encoder, count)
                                 for count in final_references)
        networks.load_state_dict({k[len("final."):]: v for k, v in job.tensors.items() if k.startswith("final.")})
        ridge = _per_drug_ridge(features, dataset, train, mean, std).to(device) if per_drug else None
        final = TrainedModel(Ensemble(networks.to(device), ridge).eval(), preprocessing, mean, std, final_references)
    return CrossValidation(predictions=predictions, runs=records, final=final)


def _per_drug_ridge(features, dataset, rows, mean, std):
    """The ensemble's per-drug ridge, fitted on the measurements `rows` in the networks' scaled units."""
    drug = dataset.drug_index[rows]
    weights, intercepts = fit_per_drug_ridge(features, dataset, rows, (dataset.values[rows] - mean[drug]) / std[drug])
    ridge = PerDrugRidge(*weights.shape)
    ridge.weight.copy_(torch.from_numpy(weights))
    ridge.bias.copy_(torch.from_numpy(intercepts))
    return ridge


def _fit_network(job, name, run, dataset, features, drugs, fingerprints, train, mean, std, config, device,
                 progress):
    """Network `run`, trained on the measurements `train` less its own hold-out, on which it stops early:
    (the loop's Fitted, the number of training drugs its similarity encoder compares with, 0 without one)."""
    fit_rows, valid_rows = hold_out(dataset, train, config.split, seed=config.seed + run)
    cells = torch.from_numpy(features).to(device)
    fit_targets = _target_matrix(dataset, fit_rows, mean, std).to(device)
    valid_targets = _target_matrix(dataset, valid_rows, mean, std).to(device)
    fit_cells = torch.from_numpy(np.unique(dataset.cell_index[fit_rows]))
    valid_cells = torch.from_numpy(np.unique(dataset.cell_index[valid_rows])).to(device)
    fit_drugs = np.unique(dataset.drug_index[fit_rows])

    seed_everything(config.seed * 1009 + run)
    references = len(fit_drugs) if config.drug_encoder == "similarity" else 0
    model = build_drug_model(cells.shape[1], fingerprints.shape[1], config.drug_encoder, references)
    if references:
        model.similarity_encoder.references.copy_(torch.from_numpy(fingerprints[fit_drugs]))
    model.to(device)

    def batches():
        return fit_cells[torch.randperm(len(fit_cells))].to(device).split(config.batch_size)

    def loss(batch):
        return _masked_mse(model(cells[batch], drugs).float(), fit_targets[batch])

    def valid_loss():
        return _masked_mse(model(cells[valid_cells], drugs).float(), valid_targets[valid_cells]).item()

    schedule = Schedule(epochs=config.epochs, patience=config.patience, lr=config.lr,
                        weight_decay=config.weight_decay, precision=config.precision)
    fitted = job.fit(name, model, schedule, device, batches, loss, valid_loss, config.seed * 1009 + run, progress)
    return fitted, references
