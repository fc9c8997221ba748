"""The one training loop: every network the tools train is fitted here.

A domain supplies its model, its batches and its loss; the loop owns the rest: the optimiser (AdamW), an optional
halving of the learning rate when the validation loss stalls, mixed precision, early stopping on the validation
loss with the best weights kept, a checkpoint after every epoch, and progress reports.

Each epoch reseeds every random generator from (seed, epoch), so the shuffling, augmentation and dropout of epoch k
do not depend on what ran before it. With the optimiser, scheduler and early-stopping state in the checkpoint, a
run resumed from it ends with the same model, bit for bit, as a run that was never interrupted (on the same
device and thread count).

A training job can fit several networks in turn (folds, ensemble members, a final model). Its checkpoint holds
the network being fitted and what the domain keeps of the finished ones (`Job.kept`, JSON, and `Job.tensors`),
so a resumed job skips the finished networks and picks the current one up at its last epoch.
"""

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from genotools.checkpoint import load_training_state, save_training_state
from genotools.errors import InputError
from genotools.runtime import autocast, seed_everything


@dataclass
class Schedule:
    """How long and how fast a network learns."""
    epochs: int
    patience: int  # stop after this many epochs without a better validation loss
    lr: float
    weight_decay: float = 0.0
    precision: str = "fp32"
    # halve the learning rate once more than patience // 2 epochs (at least 1) pass without a better validation loss
    halve_lr_on_plateau: bool = False


@dataclass
class Fitted:
    model: nn.Module  # with the best weights, in eval mode
    best_epoch: int
    history: list  # a record per epoch: epoch, train_loss, valid_loss, lr, train_seconds, seconds


class Progress:
    """What the loop tells as it goes; the tools show it as progress bars. This one tells no one."""

    def start_run(self, name: str, epochs: int) -> None:
        pass

    def start_epoch(self, epoch: int, items: int) -> None:
        pass

    def advance(self, items: int, loss: torch.Tensor) -> None:
        pass

    def end_epoch(self, record: dict) -> None:
        pass


class Job:
    """A training job's checkpoint: written after every epoch of every network to `path` (None: by another
    process of a distributed run), read back from `resume_from`. `options` (JSON) must be the same when
    resuming. After each network the domain records what it keeps of it in `kept` (JSON) and `tensors`, which a
    resumed job gets back."""

    def __init__(self, path: Path | str | None, options: dict, resume_from: Path | str | None = None) -> None:
        self.path, self.options = path, options
        self.run = 0  # networks finished
        self.kept: dict = {}
        self.tensors: dict[str, torch.Tensor] = {}
        self._resumed = None
        if resume_from is not None:
            self._resumed = load_training_state(resume_from)
            progress = self._resumed.progress
            if progress.get("options") != options:
                raise InputError(f"{resume_from}: checkpoint was written with other training options; resume with "
                                 "the same options and data")
            self.run, self.kept, self.tensors = progress["run"], progress["kept"], self._resumed.extra

    def fit(self, name: str, model: nn.Module, schedule: Schedule, device: torch.device,
            batches: Callable[[], Sequence[torch.Tensor]], loss: Callable[[torch.Tensor], torch.Tensor],
            valid_loss: Callable[[], float], seed: int = 0, progress: Progress | None = None) -> Fitted:
        """Fit `model` (on `device`): each epoch, a step on `loss(batch)` for each index tensor of `batches()`,
        then early stopping on `valid_loss()` (computed without gradients); both run in training or eval mode
        and under the schedule's precision here. Returns the model with its best weights."""
        progress = progress or Progress()
        optimizer = torch.optim.AdamW(model.parameters(), lr=schedule.lr, weight_decay=schedule.weight_decay)
        scheduler = (torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5,
                                                                 patience=max(1, schedule.patience // 2))
                     if schedule.halve_lr_on_plateau else None)
        scaler = torch.amp.GradScaler(device.type, enabled=schedule.precision == "fp16")
        state = {"epoch": 0, "history": [], "best_loss": math.inf, "best_epoch": 0, "bad_epochs": 0}
        best_state = copy.deepcopy(model.state_dict())
        if self._resumed is not None and self._resumed.progress["run"] == self.run:
            best_state = self._resumed.restore(model, optimizer)
            state = {key: self._resumed.progress[key] for key in state}
            scaler.load_state_dict(self._resumed.progress["scaler"])
            if scheduler is not None:
                scheduler.load_state_dict(self._resumed.progress["scheduler"])
        self._resumed = None

        progress.start_run(name, schedule.epochs)
        for epoch in range(state["epoch"], schedule.epochs):
            if state["bad_epochs"] >= schedule.patience:
                break
            started = time.perf_counter()
            seed_everything(seed * 100_003 + epoch)
            train_loss = self._train_epoch(model, optimizer, scaler, schedule.precision, device, batches(), loss,
                                           epoch, progress)
            train_seconds = time.perf_counter() - started
            model.eval()
            with torch.no_grad(), autocast(device, schedule.precision):
                loss_value = float(valid_loss())
            if scheduler is not None:
                scheduler.step(loss_value)
            if loss_value < state["best_loss"]:
                state.update(best_loss=loss_value, best_epoch=epoch + 1, bad_epochs=0)
                best_state = copy.deepcopy(model.state_dict())
            else:
                state["bad_epochs"] += 1
            record = {"epoch": epoch + 1, "train_loss": train_loss, "valid_loss": loss_value,
                      "lr": optimizer.param_groups[0]["lr"], "train_seconds": round(train_seconds, 3),
                      "seconds": round(time.perf_counter() - started, 3)}
            state["history"].append(record)
            state["epoch"] = epoch + 1
            if self.path is not None:
                save_training_state(self.path, model, best_state, optimizer,
                                    {**state, "scaler": scaler.state_dict(),
                                     "scheduler": scheduler.state_dict() if scheduler is not None else None,
                                     "options": self.options, "run": self.run, "kept": self.kept},
                                    extra=self.tensors)
            progress.end_epoch(record)

        model.load_state_dict(best_state)
        self.run += 1
        return Fitted(model.eval(), state["best_epoch"], state["history"])

    @staticmethod
    def _train_epoch(model, optimizer, scaler, precision, device, batches, loss, epoch, progress):
        """One step per batch; returns the training loss averaged over the batches' items."""
        model.train()
        progress.start_epoch(epoch + 1, sum(len(batch) for batch in batches))
        total, count = torch.zeros((), device=device), 0
        for batch in batches:
            with autocast(device, precision):
                value = loss(batch)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(value).backward()
            scaler.step(optimizer)
            scaler.update()
            total += value.detach() * len(batch)
            count += len(batch)
            progress.advance(len(batch), value)
        return total.item() / max(count, 1)
