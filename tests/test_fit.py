import copy
import random
import shutil

import numpy as np
import pytest
import torch
from torch import nn

from genotools.checkpoint import load_training_state
from genotools.errors import InputError
from genotools.fit import Job, Progress, Schedule

CPU = torch.device("cpu")
OPTIONS = {"lr": 0.05, "epochs": 7, "data": "toy"}


def toy_rows():
    """A dozen rows of a noiseless linear regression with three features."""
    x = torch.randn(12, 3, generator=torch.Generator().manual_seed(1))
    return x, x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3


def new_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 1))


class Toy:
    """A domain as the tools write one: shuffled batches, a loss with its own random draws, a validation loss."""

    def __init__(self, model):
        self.model = model
        self.x, self.y = toy_rows()

    def batches(self):
        return list(torch.randperm(12).split(5))  # batches of 5, 5 and 2 rows

    def loss(self, batch):
        noise = 0.01 * torch.randn(len(batch), 1)  # augmentation: random numbers drawn inside the epoch
        return ((self.model(self.x[batch]) - self.y[batch] - noise) ** 2).mean()

    def valid_loss(self):
        return ((self.model(self.x) - self.y) ** 2).mean().item()


class Scripted:
    """A validation loss that follows a script, from `start` epochs in (for resumed runs)."""

    def __init__(self, values, start=0):
        self.values, self.epoch = values, start

    def __call__(self):
        self.epoch += 1
        return self.values[self.epoch - 1]


class Recorder(Progress):
    """Notes each run's name and the checkpoint's epoch as each epoch ends; copies the checkpoint of one epoch aside."""

    def __init__(self, path, copy_at=None, copy_to=None):
        self.path, self.copy_at, self.copy_to = path, copy_at, copy_to
        self.runs, self.checkpointed = [], []

    def start_run(self, name, epochs):
        self.runs.append(name)

    def end_epoch(self, record):
        self.checkpointed.append(load_training_state(self.path).progress["epoch"])
        if (self.runs[-1], record["epoch"]) == self.copy_at:
            shutil.copy(self.path, self.copy_to)


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


def without_seconds(history):
    return [{k: v for k, v in record.items() if not k.endswith("seconds")} for record in history]


def test_early_stopping_returns_the_weights_of_the_epoch_with_the_lowest_validation_loss(tmp_path):
    toy = Toy(new_model())
    snapshots, script = [], Scripted([3.0, 2.0, 2.5, 2.6, 2.7, 2.8, 2.9, 3.0])

    def valid_loss():
        snapshots.append(copy.deepcopy(toy.model.state_dict()))
        return script()

    fitted = Job(tmp_path / "checkpoint", OPTIONS).fit("toy", toy.model, Schedule(epochs=8, patience=2, lr=0.05), CPU,
                                                      toy.batches, toy.loss, valid_loss)
    assert [record["epoch"] for record in fitted.history] == [1, 2, 3, 4]  # two epochs without progress, then stop
    assert [record["valid_loss"] for record in fitted.history] == [3.0, 2.0, 2.5, 2.6]
    assert fitted.best_epoch == 2
    assert same_weights(fitted.model.state_dict(), snapshots[1])
    assert not same_weights(snapshots[1], snapshots[3])  # the weights did move after the best epoch
    assert fitted.model is toy.model and not fitted.model.training


def test_an_epoch_without_a_lower_validation_loss_counts_as_a_stall_even_when_equal(tmp_path):
    toy = Toy(new_model())
    fitted = Job(tmp_path / "checkpoint", OPTIONS).fit("toy", toy.model, Schedule(epochs=9, patience=3, lr=0.05), CPU,
                                                      toy.batches, toy.loss, Scripted([2.0, 1.0, 1.0, 1.0, 1.0, 0.5]))
    assert len(fitted.history) == 5 and fitted.best_epoch == 2  # stalls at epochs 3, 4 and 5


def test_training_runs_every_epoch_when_the_validation_loss_keeps_falling(tmp_path):
    toy = Toy(new_model())
    fitted = Job(tmp_path / "checkpoint", OPTIONS).fit("toy", toy.model, Schedule(epochs=5, patience=1, lr=0.05), CPU,
                                                      toy.batches, toy.loss, Scripted([5.0, 4.0, 3.0, 2.0, 1.0]))
    assert len(fitted.history) == 5 and fitted.best_epoch == 5


def test_history_records_the_item_weighted_mean_of_the_batch_losses(tmp_path):
    model = nn.Linear(1, 1)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    x, y = torch.ones(4, 1), torch.tensor([[1.0], [1.0], [1.0], [3.0]])
    modes = []

    def loss(batch):
        modes.append((model.training, torch.is_grad_enabled()))
        return ((model(x[batch]) - y[batch]) ** 2).mean()  # 1 on the first batch, 9 on the second

    def valid_loss():
        modes.append((model.training, torch.is_grad_enabled()))
        return 7.0

    # lr 0 leaves the weights at zero, so every epoch sees the same batch losses
    fitted = Job(tmp_path / "checkpoint", OPTIONS).fit("toy", model, Schedule(epochs=2, patience=5, lr=0.0), CPU,
                                                      lambda: [torch.arange(3), torch.arange(3, 4)], loss, valid_loss)
    first = fitted.history[0]
    assert set(first) == {"epoch", "train_loss", "valid_loss", "lr", "train_seconds", "seconds"}
    assert first["train_loss"] == 3.0  # (3 x 1 + 1 x 9) / 4 items, not (1 + 9) / 2 batches
    assert (first["epoch"], first["valid_loss"], first["lr"]) == (1, 7.0, 0.0)
    assert 0 <= first["train_seconds"] <= first["seconds"]
    assert [record["train_loss"] for record in fitted.history] == [3.0, 3.0]
    assert model.weight.item() == 0.0 and model.bias.item() == 0.0
    # training steps run in training mode with gradients; validation in eval mode without them
    assert modes == [(True, True), (True, True), (False, False)] * 2


def test_the_learning_rate_is_only_halved_when_the_validation_loss_stalls(tmp_path):
    def learning_rates(halve, values):
        toy = Toy(new_model())
        schedule = Schedule(epochs=len(values), patience=4, lr=0.1, halve_lr_on_plateau=halve)
        fitted = Job(tmp_path / "checkpoint", OPTIONS).fit("toy", toy.model, schedule, CPU, toy.batches, toy.loss,
                                                          Scripted(values))
        return [record["lr"] for record in fitted.history]

    assert learning_rates(True, [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]) == [0.1] * 6
    assert learning_rates(False, [1.0, 2.0, 2.0, 2.0, 2.0]) == [0.1] * 5
    stalled = learning_rates(True, [1.0, 2.0, 2.0, 2.0, 2.0])
    assert stalled[:2] == [0.1, 0.1] and stalled[-1] < 0.1
    assert all(lr in (before, before / 2) for before, lr in zip(stalled, stalled[1:]))  # halved, never cut further


def test_the_learning_rate_is_halved_once_more_than_half_the_patience_passes_without_a_better_loss(tmp_path):
    toy = Toy(new_model())
    schedule = Schedule(epochs=5, patience=4, lr=0.1, halve_lr_on_plateau=True)
    fitted = Job(tmp_path / "checkpoint", OPTIONS).fit("toy", toy.model, schedule, CPU, toy.batches, toy.loss,
                                                      Scripted([1.0, 2.0, 2.0, 2.0, 2.0]))
    assert [record["lr"] for record in fitted.history] == [0.1, 0.1, 0.1, 0.05, 0.05]  # at the third stall


def test_a_checkpoint_is_written_after_every_epoch(tmp_path):
    toy, path = Toy(new_model()), tmp_path / "checkpoint"
    recorder = Recorder(path)
    Job(path, OPTIONS).fit("toy", toy.model, Schedule(epochs=3, patience=3, lr=0.05), CPU, toy.batches, toy.loss,
                           toy.valid_loss, progress=recorder)
    assert recorder.checkpointed == [1, 2, 3]
    progress = load_training_state(path).progress
    assert progress["options"] == OPTIONS and progress["run"] == 0 and len(progress["history"]) == 3


def fit_toy(path, resume_from=None, progress=None, start=0, model_seed=0):
    toy = Toy(new_model(model_seed))
    schedule = Schedule(epochs=7, patience=3, lr=0.05, weight_decay=0.01, halve_lr_on_plateau=True)
    script = Scripted([3.0, 2.0, 2.5, 2.5, 1.5, 2.5, 2.5], start=start)  # the lr halves at epoch 4
    return Job(path, OPTIONS, resume_from).fit("toy", toy.model, schedule, CPU, toy.batches, toy.loss, script,
                                               seed=3, progress=progress)


def test_a_run_resumed_from_a_checkpoint_ends_exactly_where_an_unbroken_run_ends(tmp_path):
    copied = tmp_path / "after-epoch-3"
    unbroken = fit_toy(tmp_path / "a", progress=Recorder(tmp_path / "a", copy_at=("toy", 3), copy_to=copied))
    assert load_training_state(copied).progress["epoch"] == 3
    # the resumed model starts from other weights: everything must come from the checkpoint
    resumed = fit_toy(tmp_path / "b", resume_from=copied, start=3, model_seed=99)
    assert same_weights(resumed.model.state_dict(), unbroken.model.state_dict())
    assert resumed.best_epoch == unbroken.best_epoch == 5
    assert without_seconds(resumed.history) == without_seconds(unbroken.history)
    assert [record["lr"] for record in unbroken.history] == [0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]


def test_resuming_with_other_training_options_is_refused(tmp_path):
    fit_toy(tmp_path / "checkpoint")
    with pytest.raises(InputError, match="other training options"):
        Job(tmp_path / "again", {**OPTIONS, "lr": 0.1}, resume_from=tmp_path / "checkpoint")


def fit_ensemble(path, resume_from=None, progress=None):
    """Two networks in one job, keeping a summary (JSON) and a tensor of each finished one."""
    job = Job(path, OPTIONS, resume_from)
    state = {"run": job.run, "kept": copy.deepcopy(job.kept), "tensors": dict(job.tensors)}
    for member in range(job.run, 2):
        toy = Toy(new_model(member))
        fitted = job.fit(f"member {member}", toy.model, Schedule(epochs=3, patience=3, lr=0.05), CPU, toy.batches,
                         toy.loss, toy.valid_loss, seed=member, progress=progress)
        job.kept[f"member {member}"] = {"best_epoch": fitted.best_epoch}
        job.tensors[f"member{member}.weight"] = fitted.model[0].weight.detach().clone()
    return job, state


def test_a_resumed_job_gets_back_what_it_kept_and_skips_the_finished_networks(tmp_path):
    copied = tmp_path / "member-1-epoch-1"
    unbroken, _ = fit_ensemble(tmp_path / "a", progress=Recorder(tmp_path / "a", ("member 1", 1), copied))
    assert unbroken.run == 2

    recorder = Recorder(tmp_path / "b")
    resumed, at_start = fit_ensemble(tmp_path / "b", resume_from=copied, progress=recorder)
    assert at_start["run"] == 1
    assert at_start["kept"] == {"member 0": unbroken.kept["member 0"]}
    assert at_start["tensors"].keys() == {"member0.weight"}
    assert torch.equal(at_start["tensors"]["member0.weight"], unbroken.tensors["member0.weight"])
    assert recorder.runs == ["member 1"] and recorder.checkpointed == [2, 3]  # picked up after its first epoch
    assert resumed.run == 2 and resumed.kept == unbroken.kept
    assert same_weights(resumed.tensors, unbroken.tensors)


def draws_per_epoch(tmp_path, seed, draws_before):
    """What batches() draws from torch, NumPy and Python's generators in each of three epochs."""
    torch.rand(draws_before)
    np.random.rand(draws_before)
    random.seed(draws_before)
    toy, drawn = Toy(new_model()), []

    def batches():
        drawn.append((torch.randperm(12).tolist(), np.random.permutation(12).tolist(), random.random()))
        return toy.batches()

    def loss(batch):
        torch.rand(draws_before)  # more draws inside the epoch, after the batches are drawn
        return toy.loss(batch)

    Job(tmp_path / f"checkpoint-{seed}-{draws_before}", OPTIONS).fit(
        "toy", toy.model, Schedule(epochs=3, patience=3, lr=0.05), CPU, batches, loss, toy.valid_loss, seed=seed)
    return drawn


def test_each_epoch_draws_the_same_random_numbers_for_the_same_seed_whatever_ran_before(tmp_path):
    first = draws_per_epoch(tmp_path, seed=7, draws_before=0)
    assert draws_per_epoch(tmp_path, seed=7, draws_before=1000) == first
    assert first[0] != first[1] != first[2]  # but each epoch shuffles differently
    assert draws_per_epoch(tmp_path, seed=8, draws_before=0) != first
