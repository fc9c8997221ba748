"""One fit loop for every sequence model: splits, device, precision, augmentation, early stopping, checkpoints.

Each epoch reseeds every random generator from (seed, epoch), so the shuffling, augmentation and dropout of
epoch k do not depend on what ran before it. Together with the optimiser, scheduler and early-stopping state
saved after every epoch, this makes a run resumed from its last checkpoint end with the same model, bit for
bit, as a run that was never interrupted (on the same device and thread count).
"""

import copy
import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from genotools.checkpoint import load_training_state, save_training_state
from genotools.encoding import reverse_complement_one_hot
from genotools.errors import InputError
from genotools.inference import raw_outputs
from genotools.models import build_model
from genotools.runtime import autocast, seed_everything

SPLITS = ("train", "valid", "test")


@dataclass
class TrainConfig:
    arch: str = "danq"
    hyperparameters: dict = field(default_factory=dict)
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-2
    patience: int = 5
    precision: str = "fp32"
    reverse_complement: bool = True
    seed: int = 0
    valid_chroms: list = field(default_factory=lambda: ["chr8"])
    test_chroms: list = field(default_factory=lambda: ["chr9"])


@dataclass
class FitResult:
    model: nn.Module
    hyperparameters: dict
    history: list
    best_epoch: int
    splits: dict
    task_types: list
    target_mean: list
    target_std: list


def task_types(labels):
    """'binary' for a task whose labels are all 0 or 1, 'regression' otherwise."""
    kinds = []
    for column in labels.T:
        values = column[~np.isnan(column)]
        kinds.append("binary" if np.isin(values, (0, 1)).all() else "regression")
    return kinds


def _bare_chrom(name):
    return name[3:] if name.lower().startswith("chr") else name


def split_dataset(data, valid_chroms, test_chroms, seed):
    """Indices of the train, valid and test sequences: held-out chromosomes ('chr' prefix optional), or a
    seeded random 80/10/10 split for sequences without coordinates."""
    if data.chroms is None:
        order = np.random.default_rng(seed).permutation(len(data.names))
        n_hold = max(1, len(order) // 10)
        return {"train": np.sort(order[2 * n_hold :]), "valid": np.sort(order[:n_hold]),
                "test": np.sort(order[n_hold : 2 * n_hold])}
    chroms = np.array([_bare_chrom(c) for c in data.chroms])
    valid = np.isin(chroms, [_bare_chrom(c) for c in valid_chroms])
    test = np.isin(chroms, [_bare_chrom(c) for c in test_chroms])
    if (valid & test).any():
        raise InputError("--valid-chroms and --test-chroms share a chromosome")
    splits = {"train": np.flatnonzero(~valid & ~test), "valid": np.flatnonzero(valid), "test": np.flatnonzero(test)}
    for name, chosen in (("valid", valid_chroms), ("test", test_chroms)):
        if len(splits[name]) == 0:
            raise InputError(f"no sequences on the {name} chromosomes {', '.join(chosen)}; "
                             f"choose others with --{name}-chroms")
    if len(splits["train"]) < 2:
        raise InputError("fewer than two training sequences are left after holding out chromosomes")
    return splits


def masked_loss(outputs, targets, binary):
    """Mean loss over labelled entries: binary cross-entropy (logits) for binary tasks, MSE for the others."""
    labelled = ~torch.isnan(targets)
    targets = torch.nan_to_num(targets)
    bce = nn.functional.binary_cross_entropy_with_logits(outputs, targets, reduction="none")
    mse = (outputs - targets) ** 2
    losses = torch.where(binary, bce, mse)
    return (losses * labelled).sum() / labelled.sum().clamp(min=1)


class _Silent:
    def start_epoch(self, epoch, sequences):
        pass

    def advance(self, sequences, loss):
        pass

    def end_epoch(self, record):
        pass


def target_scaling(labels, kinds):
    """Mean and standard deviation of each regression task's labels (0 and 1 for binary tasks)."""
    regression = np.array([kind == "regression" for kind in kinds])
    mean = np.where(regression, np.nan_to_num(np.nanmean(labels, axis=0)), 0.0).astype(np.float32)
    std = np.where(regression, np.nan_to_num(np.nanstd(labels, axis=0), nan=1.0), 1.0).astype(np.float32)
    std[std == 0] = 1.0
    return mean, std


def fit(data, config, device, checkpoint_path, resume_from=None, progress=None):
    """Train on `data` (an EncodedDataset with labels); checkpoint after every epoch; return the best model."""
    progress = progress or _Silent()
    if data.labels is None or not data.task_names:
        raise InputError("the dataset has no labels; encode a BED with a '#chrom start end name task...' header "
                         "or pass --labels to genotools-encode")
    splits = split_dataset(data, config.valid_chroms, config.test_chroms, config.seed)
    kinds = task_types(data.labels)
    mean, std = target_scaling(data.labels[splits["train"]], kinds)

    seed_everything(config.seed)
    model, hyperparameters = build_model(config.arch, data.seq_len, len(data.task_names), config.hyperparameters)
    model.to(device)
    x = torch.from_numpy(data.onehot).to(device)  # uint8: a quarter of float32, cast per batch
    y = torch.from_numpy((data.labels - mean) / std).to(device)
    binary = torch.tensor([kind == "binary" for kind in kinds], device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=max(1, config.patience // 2))
    scaler = torch.amp.GradScaler(device.type, enabled=config.precision == "fp16")
    config_record = dataclasses.asdict(config)

    state = {"epoch": 0, "history": [], "best_loss": math.inf, "best_epoch": 0, "bad_epochs": 0}
    best_state = copy.deepcopy(model.state_dict())
    if resume_from is not None:
        checkpoint = load_training_state(resume_from)
        best_state, state = checkpoint.restore(model, optimizer), checkpoint.progress
        if state.pop("config") != config_record:
            raise InputError(f"{resume_from}: checkpoint was written with other training options; "
                             "resume with the same options and data")
        scheduler.load_state_dict(state.pop("scheduler"))
        scaler.load_state_dict(state.pop("scaler"))

    train_index = torch.from_numpy(splits["train"])
    for epoch in range(state["epoch"], config.epochs):
        if state["bad_epochs"] >= config.patience:
            break
        started = time.perf_counter()
        seed_everything(config.seed * 100_003 + epoch)
        progress.start_epoch(epoch + 1, len(train_index))
        order = train_index[torch.randperm(len(train_index))]
        train_loss = _train_epoch(model, x, y, binary, order, optimizer, scaler, config, device, progress)
        train_seconds = time.perf_counter() - started

        valid_raw = torch.from_numpy(raw_outputs(model, x[splits["valid"]], device, precision=config.precision,
                                                 reverse_complement=False)).to(device)
        valid_loss = masked_loss(valid_raw, y[splits["valid"]], binary).item()
        scheduler.step(valid_loss)
        if valid_loss < state["best_loss"]:
            state.update(best_loss=valid_loss, best_epoch=epoch + 1, bad_epochs=0)
            best_state = copy.deepcopy(model.state_dict())
        else:
            state["bad_epochs"] += 1
        record = {"epoch": epoch + 1, "train_loss": train_loss, "valid_loss": valid_loss,
                  "lr": optimizer.param_groups[0]["lr"], "train_seconds": round(train_seconds, 3),
                  "seconds": round(time.perf_counter() - started, 3)}
        state["history"].append(record)
        state["epoch"] = epoch + 1
        save_training_state(checkpoint_path, model, best_state, optimizer,
                            {**state, "config": config_record, "scheduler": scheduler.state_dict(),
                             "scaler": scaler.state_dict()})
        progress.end_epoch(record)

    model.load_state_dict(best_state)
    return FitResult(model.eval(), hyperparameters, state["history"], state["best_epoch"], splits, kinds,
                     mean.tolist(), std.tolist())


def _train_epoch(model, x, y, binary, order, optimizer, scaler, config, device, progress):
    """One pass over the training sequences in `order`; returns the mean training loss."""
    model.train()
    total, count = torch.zeros((), device=device), 0
    for start in range(0, len(order), config.batch_size):
        batch = order[start : start + config.batch_size].to(device)
        if len(batch) < 2:  # batch normalisation needs two sequences
            continue
        inputs, targets = x[batch].float(), y[batch]
        if config.reverse_complement:
            flip = (torch.rand(len(batch)) < 0.5).to(device)
            inputs[flip] = reverse_complement_one_hot(inputs[flip])
        with autocast(device, config.precision):
            outputs = model(inputs)
        loss = masked_loss(outputs.float(), targets, binary)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        total += loss.detach() * len(batch)
        count += len(batch)
        progress.advance(len(batch), loss)
    return total.item() / max(count, 1)
