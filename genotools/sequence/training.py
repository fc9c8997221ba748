"""Training a sequence-to-function model: chromosome hold-out splits, target scaling, reverse-complement
augmentation and a masked loss over binary and regression tasks, fitted by the shared loop (genotools.fit)."""

import dataclasses
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from genotools.distributed import SINGLE, Ranks, total
from genotools.errors import InputError
from genotools.fit import Job, Progress, Schedule
from genotools.io.hdf5 import EncodedDataset, StoredOneHot
from genotools.runtime import seed_everything
from genotools.sequence.baseline import Baseline, kmer_baseline, kmer_layer, score
from genotools.sequence.encoding import reverse_complement_one_hot
from genotools.sequence.inference import raw_outputs
from genotools.sequence.models import build_model
from genotools.sequence.models.kmer import WithKmerFallback
from genotools.sequence.streaming import ChunkShuffledBatches

SPLITS = ("train", "valid", "test")


@dataclass
class TrainConfig:
    arch: str = "danq"
    hyperparameters: dict = field(default_factory=dict)
    epochs: int = 1000  # a bound only: early stopping ends training
    batch_size: int | None = None  # None: chosen by sized_for
    lr: float = 1e-3
    weight_decay: float = 1e-2
    patience: int | None = None  # None: chosen by sized_for
    precision: str = "fp32"
    reverse_complement: bool = True
    kmer_fallback: bool = True  # each task predicted by the network or the k-mer baseline, whichever validates better
    seed: int = 0
    valid_chroms: list = field(default_factory=lambda: ["chr8"])
    test_chroms: list = field(default_factory=lambda: ["chr9"])


# Small datasets need smaller batches, and patience counted in windows seen rather than epochs: 800 windows in
# batches of 64 make 12 steps an epoch, and 5 epochs without progress stopped training after about 80 steps,
# before a network had learnt anything (benchmarks/sequence_models.py, issue 17). Rules between motifs (spacing,
# strand) are learnt late, after a plateau of the validation loss that lasts 10 to 20 epochs on 8,000 windows:
# 5 epochs of patience stopped on that plateau, 15 see it through.
BATCH_SIZES = (16, 64)  # the smallest and largest automatic batch size
BATCHES_PER_EPOCH = 50  # what an automatic batch size aims at, within BATCH_SIZES
MIN_PATIENCE = 15  # epochs
PATIENCE_WINDOWS = 30_000  # training windows seen without a better validation loss before stopping, at least


def sized_for(config: TrainConfig, train_windows: int) -> TrainConfig:
    """`config` with its automatic batch size and patience (None) chosen for `train_windows`: about
    BATCHES_PER_EPOCH batches an epoch within BATCH_SIZES, and MIN_PATIENCE epochs or as many as show
    PATIENCE_WINDOWS windows."""
    smallest, largest = BATCH_SIZES
    batch_size = config.batch_size or min(largest, max(smallest, train_windows // BATCHES_PER_EPOCH))
    patience = config.patience or max(MIN_PATIENCE, math.ceil(PATIENCE_WINDOWS / max(1, train_windows)))
    return dataclasses.replace(config, batch_size=batch_size, patience=patience)


@dataclass
class FitResult:
    config: TrainConfig  # as trained: the automatic batch size and patience chosen
    model: nn.Module
    hyperparameters: dict
    history: list
    best_epoch: int
    splits: dict
    task_types: list
    target_mean: list
    target_std: list
    baseline: Baseline | None  # the k-mer fallback's, when the model has one


def task_types(labels: np.ndarray) -> list[str]:
    """'binary' for a task whose labels are all 0 or 1, 'regression' otherwise."""
    kinds = []
    for column in labels.T:
        values = column[~np.isnan(column)]
        kinds.append("binary" if np.isin(values, (0, 1)).all() else "regression")
    return kinds


def _bare_chrom(name):
    return name[3:] if name.lower().startswith("chr") else name


def split_dataset(data: EncodedDataset, valid_chroms: list[str], test_chroms: list[str],
                  seed: int) -> dict[str, np.ndarray]:
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


def masked_loss_sum(outputs: torch.Tensor, targets: torch.Tensor, binary: torch.Tensor) -> torch.Tensor:
    """(summed loss, number) of the labelled entries: binary cross-entropy (logits) for binary tasks, MSE for the
    others."""
    labelled = ~torch.isnan(targets)
    targets = torch.nan_to_num(targets)
    bce = nn.functional.binary_cross_entropy_with_logits(outputs, targets, reduction="none")
    mse = (outputs - targets) ** 2
    losses = torch.where(binary, bce, mse)
    return torch.stack([(losses * labelled).sum(), labelled.sum().to(losses.dtype)])


def masked_loss(outputs: torch.Tensor, targets: torch.Tensor, binary: torch.Tensor) -> torch.Tensor:
    """Mean loss over labelled entries (see masked_loss_sum)."""
    summed, labelled = masked_loss_sum(outputs, targets, binary)
    return summed / labelled.clamp(min=1)


def target_scaling(labels: np.ndarray, kinds: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each regression task's labels (0 and 1 for binary tasks)."""
    regression = np.array([kind == "regression" for kind in kinds])
    mean = np.where(regression, np.nan_to_num(np.nanmean(labels, axis=0)), 0.0).astype(np.float32)
    std = np.where(regression, np.nan_to_num(np.nanstd(labels, axis=0), nan=1.0), 1.0).astype(np.float32)
    std[std == 0] = 1.0
    return mean, std


def _kmer_validates_better(network: np.ndarray, kmer: np.ndarray, labels: np.ndarray, kind: str) -> bool:
    """Whether the k-mer model ranks the labelled validation windows better than the network (AUROC, or Pearson's
    r: what the baseline's penalty is chosen by); a tie keeps the network."""
    labelled = ~np.isnan(labels)
    return score(kmer[labelled], labels[labelled], kind) > score(network[labelled], labels[labelled], kind)


def check_labelled(data: EncodedDataset, splits: dict[str, np.ndarray], source: Path | str | None = None) -> None:
    """Refuse a task without a label (all missing), in the dataset or among its training sequences: it has
    nothing to learn from, and its target scaling would be NaN. `source` (the dataset's file) names it."""
    where = f"{source}: " if source else ""
    labelled = ~np.isnan(data.labels)
    for task, anywhere, in_training in zip(data.task_names, labelled.any(0), labelled[splits["train"]].any(0)):
        if not anywhere:
            raise InputError(f"{where}task {task!r} has no labels (all missing); drop it or label it")
        if not in_training:
            raise InputError(f"{where}task {task!r} has no labels on the training sequences (only on the "
                             "validation or test ones); label it there, or choose other validation and test "
                             "chromosomes")


def share_batches(order: torch.Tensor, batch_size: int, ranks: Ranks) -> list[torch.Tensor]:
    """This process's batches of an epoch's `order`: its share (every world-th row) cut into batches of
    `batch_size` (batch norm needs two rows: a last single row is left out), as many as every process has."""
    shares = [order[rank :: ranks.world].split(batch_size) for rank in range(ranks.world)]
    steps = min(sum(len(batch) > 1 for batch in share) for share in shares)
    return [batch for batch in shares[ranks.rank] if len(batch) > 1][:steps]


def _training_batches(onehot, train, batch_size, device, reader, ranks):
    """Where the one-hot rows are read from, a function giving an epoch's batches (row numbers) and one giving a
    batch's uint8 rows. A dataset in memory goes to `device` whole and is shuffled as one; one left in its file
    (StoredOneHot) is shuffled over chunks and within a buffer, read ahead by the thread pool `reader`."""
    if isinstance(onehot, StoredOneHot):
        stream = ChunkShuffledBatches(onehot, train, batch_size, reader, ranks)
        return onehot, stream.epoch, lambda batch: stream.inputs(batch).to(device)
    x = torch.from_numpy(onehot).to(device)  # uint8: a quarter of float32, cast per batch
    train = torch.from_numpy(train)

    def batches():
        return [batch.to(device) for batch in share_batches(train[torch.randperm(len(train))], batch_size, ranks)]

    return x, batches, lambda batch: x[batch]


def fit(data: EncodedDataset, config: TrainConfig, device: torch.device, checkpoint_path: Path | str,
        resume_from: Path | str | None = None, progress: Progress | None = None,
        source: Path | str | None = None, ranks: Ranks = SINGLE) -> FitResult | None:
    """Train on `data` (an EncodedDataset with labels, read from the file `source`, which messages name);
    checkpoint after every epoch; return the best model and the options it was trained with (the automatic
    batch size and patience chosen). As one of several processes (`ranks`, in their process group), train on its
    share of each batch; only rank 0 checkpoints, and gets the result (the others None)."""
    if data.labels is None or not data.task_names:
        raise InputError("the dataset has no labels; encode a BED with a '#chrom start end name task...' header "
                         "or pass --labels to genotools-encode")
    splits = split_dataset(data, config.valid_chroms, config.test_chroms, config.seed)
    check_labelled(data, splits, source)
    config = sized_for(config, len(splits["train"]))
    kinds = task_types(data.labels)
    mean, std = target_scaling(data.labels[splits["train"]], kinds)

    seed_everything(config.seed)
    model, hyperparameters = build_model(config.arch, data.seq_len, len(data.task_names), config.hyperparameters)
    model.to(device)
    forward = model if ranks.world == 1 else DistributedDataParallel(model)  # averages gradients over processes
    y = torch.from_numpy((data.labels - mean) / std).to(device)
    binary = torch.tensor([kind == "binary" for kind in kinds], device=device)
    schedule = Schedule(epochs=config.epochs, patience=config.patience, lr=config.lr,
                        weight_decay=config.weight_decay, precision=config.precision, halve_lr_on_plateau=True)
    job = Job(checkpoint_path if ranks.writes else None, dataclasses.asdict(config), resume_from)
    with ThreadPoolExecutor(1, thread_name_prefix="genotools-reader") as reader:
        onehot, batches, inputs = _training_batches(data.onehot, splits["train"],
                                                    max(2, config.batch_size // ranks.world), device, reader, ranks)

        def loss(batch):
            x = inputs(batch).float()
            if config.reverse_complement:
                flip = (torch.rand(len(batch)) < 0.5).to(device)
                x[flip] = reverse_complement_one_hot(x[flip])
            return masked_loss(forward(x).float(), y[batch.to(device)], binary)

        def valid_loss():  # over every process's share of the validation windows
            valid = splits["valid"][ranks.rank :: ranks.world]
            outputs = raw_outputs(model, onehot, device, precision=config.precision, reverse_complement=False,
                                  rows=valid)
            summed, labelled = total(masked_loss_sum(torch.from_numpy(outputs).to(device), y[valid], binary), ranks)
            return (summed / labelled.clamp(min=1)).item()

        fitted = job.fit("training", model, schedule, device, batches, loss, valid_loss, config.seed, progress)
    if not ranks.writes:
        return None
    model, baseline = fitted.model, None
    if config.kmer_fallback:
        baseline = kmer_baseline(data.onehot, data.labels, kinds, splits, config.seed)
        network = raw_outputs(model, onehot, device, precision=config.precision, rows=splits["valid"])
        use_kmer = torch.tensor([_kmer_validates_better(network[:, task], baseline.predictions["valid"][:, task],
                                                        data.labels[splits["valid"], task], kind)
                                 for task, kind in enumerate(kinds)])
        model = WithKmerFallback(model, kmer_layer(baseline, mean, std), use_kmer).to(device).eval()
    return FitResult(config, model, hyperparameters, fitted.history, fitted.best_epoch, splits, kinds,
                     mean.tolist(), std.tolist(), baseline)
