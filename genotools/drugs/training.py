"""Cross-validation and training of the drug-response network.

Training runs over the response as a matrix of cell lines x drugs: a step takes a batch of cell lines with every
drug and the loss is the mean squared error over the entries measured in the training set. Each run holds out a
tenth of its training groups (cell lines, drugs or measurements, as the split does) to stop early on. The
runs are the K folds, then a final run on every measurement, whose model is the one saved; the omics
preprocessing and the response scaling of each run are fitted on its training cell lines and measurements only.

A checkpoint written after every epoch holds the current run, its optimiser and early-stopping state and the
out-of-fold predictions made so far; every random generator is reseeded from (seed, run, epoch), so a resumed
cross-validation ends exactly as an unbroken one would (on the same device and thread count).
"""

import copy
import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from genotools.checkpoint import load_training_state, save_training_state
from genotools.drugs.model import build_drug_model
from genotools.drugs.preprocessing import fit_preprocessing
from genotools.drugs.splits import hold_out, train_test
from genotools.errors import InputError
from genotools.runtime import autocast, seed_everything


@dataclass
class DrugTrainConfig:
    split: str = "cell-blind"
    folds: int = 5
    features: int = 2000
    drug_encoder: str = "both"
    epochs: int = 100
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 1e-2
    patience: int = 10
    precision: str = "fp32"
    seed: int = 0


@dataclass
class TrainedRun:
    model: torch.nn.Module
    preprocessing: object  # the Preprocessing fitted on the run's training cell lines
    target_mean: float
    target_std: float
    best_epoch: int
    history: list


@dataclass
class CrossValidation:
    predictions: np.ndarray  # out-of-fold prediction of every measurement
    runs: list  # {run, best_epoch, history} per fold, then the final run
    final: TrainedRun  # the final run, on every measurement: the model to save


def drug_tensors(fingerprints, graphs, device):
    """The network's drug input: fingerprints and the molecular graphs."""
    return {"fingerprints": torch.from_numpy(fingerprints).float().to(device),
            "atoms": torch.from_numpy(graphs.atoms).to(device), "edges": torch.from_numpy(graphs.edges).to(device),
            "molecule": torch.from_numpy(graphs.molecule).to(device)}


def predict_matrix(model, cells, drugs, device, batch_size, precision="fp32"):
    """Predictions (in the network's scaled units) for every row of `cells` (numpy) with every drug."""
    model.eval()
    parts = []
    with torch.no_grad(), autocast(device, precision):
        for start in range(0, len(cells), batch_size):
            batch = torch.from_numpy(cells[start : start + batch_size]).to(device)
            parts.append(model(batch, drugs).float().cpu().numpy())
    return np.concatenate(parts) if parts else np.empty((0, len(drugs["fingerprints"])), dtype=np.float32)


def _target_matrix(dataset, rows, mean, std):
    matrix = np.full((len(dataset.cells), len(dataset.drugs)), np.nan, dtype=np.float32)
    matrix[dataset.cell_index[rows], dataset.drug_index[rows]] = (dataset.values[rows] - mean) / std
    return torch.from_numpy(matrix)


def _masked_mse(outputs, targets):
    measured = ~torch.isnan(targets)
    return ((outputs - torch.nan_to_num(targets)) ** 2 * measured).sum() / measured.sum().clamp(min=1)


class _Silent:
    def start_run(self, name, epochs):
        pass

    def end_epoch(self, record):
        pass


def cross_validate(dataset, fingerprints, graphs, folds, config, device, checkpoint_path, resume_from=None,
                   progress=None):
    """Out-of-fold predictions for every measurement of `dataset` (folds: the fold of each), then the final model
    trained on them all."""
    progress = progress or _Silent()
    drugs = drug_tensors(fingerprints, graphs, device)
    config_record = dataclasses.asdict(config)
    predictions = np.full(len(dataset.values), np.nan)
    state = {"run": 0, "runs": []}
    resumed = None
    if resume_from is not None:
        resumed = load_training_state(resume_from)
        if resumed.progress["config"] != config_record:
            raise InputError(f"{resume_from}: checkpoint was written with other training options; resume with the "
                             "same options and data")
        if len(resumed.extra["predictions"]) != len(predictions):
            raise InputError(f"{resume_from}: checkpoint is for other data; resume with the same data")
        predictions = resumed.extra["predictions"].double().numpy()
        state = {"run": resumed.progress["run"], "runs": resumed.progress["runs"]}

    runs = [*range(config.folds), None]  # None: the final run, on every measurement
    for run in range(state["run"], len(runs)):
        fold = runs[run]
        train, test = (train_test(folds, fold) if fold is not None
                       else (np.arange(len(dataset.values)), np.array([], dtype=np.int64)))
        name = f"fold {fold + 1}/{config.folds}" if fold is not None else "final model"
        progress.start_run(name, config.epochs)

        def save(model, best_state, optimizer, run_state):
            save_training_state(checkpoint_path, model, best_state, optimizer,
                                {**run_state, "config": config_record, "run": run, "runs": state["runs"]},
                                extra={"predictions": torch.from_numpy(predictions)})

        result = _train_run(dataset, drugs, train, run, config, device, save,
                            resumed if resumed and resumed.progress["run"] == run else None, progress)
        resumed = None
        if fold is not None:
            scaled = predict_matrix(result.model, result.preprocessing.transform(dataset.omics), drugs, device,
                                    config.batch_size, config.precision)
            predictions[test] = (scaled[dataset.cell_index[test], dataset.drug_index[test]] * result.target_std
                                 + result.target_mean)
        state["runs"].append({"run": name, "best_epoch": result.best_epoch, "history": result.history})
        state["run"] = run + 1
    return CrossValidation(predictions=predictions, runs=state["runs"], final=result)


def _train_run(dataset, drugs, train, run, config, device, save, resumed, progress):
    fit_rows, valid_rows = hold_out(dataset, train, config.split, seed=config.seed + run)
    preprocessing = fit_preprocessing(dataset.omics, np.unique(dataset.cell_index[train]), config.features)
    cells = torch.from_numpy(preprocessing.transform(dataset.omics)).to(device)
    mean, std = float(dataset.values[fit_rows].mean()), float(dataset.values[fit_rows].std()) or 1.0
    fit_targets = _target_matrix(dataset, fit_rows, mean, std).to(device)
    valid_targets = _target_matrix(dataset, valid_rows, mean, std).to(device)
    fit_cells = torch.from_numpy(np.unique(dataset.cell_index[fit_rows]))
    valid_cells = torch.from_numpy(np.unique(dataset.cell_index[valid_rows])).to(device)

    seed_everything(config.seed * 1009 + run)
    model = build_drug_model(cells.shape[1], drugs["fingerprints"].shape[1], config.drug_encoder)
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scaler = torch.amp.GradScaler(device.type, enabled=config.precision == "fp16")
    run_state = {"epoch": 0, "history": [], "best_loss": math.inf, "best_epoch": 0, "bad_epochs": 0}
    best_state = copy.deepcopy(model.state_dict())
    if resumed is not None:
        best_state = resumed.restore(model, optimizer)
        scaler.load_state_dict(resumed.progress["scaler"])
        run_state = {key: resumed.progress[key] for key in run_state}

    for epoch in range(run_state["epoch"], config.epochs):
        if run_state["bad_epochs"] >= config.patience:
            break
        started = time.perf_counter()
        seed_everything((config.seed * 1009 + run) * 100_003 + epoch)
        model.train()
        order = fit_cells[torch.randperm(len(fit_cells))].to(device)
        total, steps = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            with autocast(device, config.precision):
                outputs = model(cells[batch], drugs)
            loss = _masked_mse(outputs.float(), fit_targets[batch])
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total, steps = total + loss.item(), steps + 1
        model.eval()
        with torch.no_grad(), autocast(device, config.precision):
            valid_loss = _masked_mse(model(cells[valid_cells], drugs).float(), valid_targets[valid_cells]).item()
        if valid_loss < run_state["best_loss"]:
            run_state.update(best_loss=valid_loss, best_epoch=epoch + 1, bad_epochs=0)
            best_state = copy.deepcopy(model.state_dict())
        else:
            run_state["bad_epochs"] += 1
        record = {"epoch": epoch + 1, "train_loss": total / max(steps, 1), "valid_loss": valid_loss,
                  "seconds": round(time.perf_counter() - started, 3)}
        run_state["history"].append(record)
        run_state["epoch"] = epoch + 1
        save(model, best_state, optimizer, {**run_state, "scaler": scaler.state_dict()})
        progress.end_epoch(record)

    model.load_state_dict(best_state)
    return TrainedRun(model.eval(), preprocessing, mean, std, run_state["best_epoch"],
                      run_state["history"])
