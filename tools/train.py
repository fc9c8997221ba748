"""genotools-train: fit a sequence-to-function model to an encoded dataset."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

import torch
import typer
from rich.table import Table

from genotools import distributed
from genotools.checkpoint import save_model
from genotools.distributed import from_environment
from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.hdf5 import read_dataset
from genotools.metrics import task_metrics
from genotools.report import plot_learning_curves
from genotools.runtime import configure, resolve_device
from genotools.sequence.baseline import kmer_baseline
from genotools.sequence.inference import predict
from genotools.sequence.model_file import sequence_model_metadata
from genotools.sequence.models import ARCHITECTURES
from genotools.sequence.training import (
    BATCH_SIZES,
    BATCHES_PER_EPOCH,
    MIN_PATIENCE,
    PATIENCE_WINDOWS,
    SPLITS,
    TrainConfig,
    fit,
)

from .common import (
    Checkpoint,
    Debug,
    Device,
    Precision,
    Quiet,
    Resume,
    Seed,
    Threads,
    TrainingProgress,
    Version,
    beside,
    check_choices,
    existing_file,
    reported_errors,
    say,
    single_command_app,
    stderr,
    training_bar,
)

DEFAULTS = TrainConfig()
LOADING = ("auto", "memory", "stream")


def _parse_params(pairs):
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--param {pair!r}: expected KEY=VALUE, e.g. --param dropout=0.2")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            raise InputError(f"--param {pair!r}: VALUE must be JSON, e.g. 0.2, 64 or [64,64,64]") from None
    return params


def _chroms(values):
    return [c for value in values for c in value.split(",") if c]


def train(
    data: Annotated[Path, existing_file("Encoded dataset from genotools-encode (HDF5).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.safetensors).",
                                         dir_okay=False)],
    arch: Annotated[str, typer.Option(help=f"Architecture: {', '.join(ARCHITECTURES)}.")] = DEFAULTS.arch,
    param: Annotated[list[str], typer.Option(
        help="Architecture hyperparameter as KEY=JSON, repeatable, e.g. --param dropout=0.2.")] = [],  # noqa: B006
    valid_chroms: Annotated[list[str], typer.Option(
        help="Chromosomes held out for validation (repeat or comma-separate; 'chr' prefix optional). "
        "Datasets without coordinates use a seeded random 10% instead.")] = DEFAULTS.valid_chroms,
    test_chroms: Annotated[list[str], typer.Option(
        help="Chromosomes held out for the final test (as --valid-chroms).")] = DEFAULTS.test_chroms,
    epochs: Annotated[int, typer.Option(min=1, help="Maximum number of epochs: a bound only, early stopping ends "
                                        "training first.")] = DEFAULTS.epochs,
    batch_size: Annotated[Optional[int], typer.Option(
        min=2, help=f"Windows per optimizer step [default: about {BATCHES_PER_EPOCH} steps an epoch, between "
        f"{BATCH_SIZES[0]} and {BATCH_SIZES[1]} windows]."
    )] = DEFAULTS.batch_size,
    lr: Annotated[float, typer.Option(min=0, help="Initial learning rate (AdamW); halved when the "
                                      "validation loss stalls.")] = DEFAULTS.lr,
    patience: Annotated[Optional[int], typer.Option(
        min=1, help=f"Stop after this many epochs without a better validation loss [default: {MIN_PATIENCE}, or "
        f"on small datasets as many as show {PATIENCE_WINDOWS:,} training windows].")] = DEFAULTS.patience,
    reverse_complement: Annotated[bool, typer.Option(
        help="Augment by reverse-complementing a random half of each batch.")] = DEFAULTS.reverse_complement,
    kmer_fallback: Annotated[bool, typer.Option(
        help="Also fit the k-mer baseline (see --baseline) and keep it in the model: each task is predicted by the "
        "network or by the k-mer model, whichever ranks the validation windows better (AUROC, or Pearson's r; "
        "few windows often favour k-mers). The metrics JSON lists the tasks that fall back on k-mers.")]
    = DEFAULTS.kmer_fallback,
    baseline: Annotated[bool, typer.Option(
        help="Report the classical baseline on the same split, to see whether the network adds anything: L2 "
        "logistic (binary tasks) or ridge regression on reverse-complement-collapsed 6-mer frequencies, plain and "
        "gapped, its penalty chosen on the validation chromosomes. A model with the k-mer fallback always reports "
        "it; this option matters only with --no-kmer-fallback.")] = True,
    loading: Annotated[str, typer.Option(
        help="How the sequences are read: memory (the whole one-hot array loaded first: fastest), stream (read from "
        "the file as training goes, shuffled over its chunks and within a buffer of them, a buffer read ahead: for "
        "datasets larger than memory), or auto: memory when the array takes at most a quarter of the memory this "
        "process may use (a Slurm job's or container's cap included).")] = "auto",
    devices: Annotated[int, typer.Option(
        min=1, help="Train on this many devices of this machine with DistributedDataParallel: GPUs with --device "
        "cuda, or processes sharing the CPU threads otherwise. --batch-size is divided among them, so that they "
        "learn as one. Over several machines, start genotools-train with torchrun instead.")] = 1,
    resume: Resume = None,
    checkpoint: Checkpoint = None,
    metrics: Annotated[Optional[Path], typer.Option(
        help="Metrics JSON to write, network beside baseline [default: OUTPUT with .metrics.json].",
        dir_okay=False)] = None,
    plot: Annotated[Optional[Path], typer.Option(
        help="Learning-curve PNG to write [default: OUTPUT with .learning_curves.png].", dir_okay=False)] = None,
    precision: Precision = DEFAULTS.precision,
    device: Device = "auto",
    seed: Seed = DEFAULTS.seed,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Train a sequence-to-function model (binary and regression tasks together) with chromosome hold-out,
    early stopping on the validation loss and a checkpoint every epoch. Writes the model (safetensors with
    JSON metadata), per-task metrics on the validation and test chromosomes (AUROC and AUPRC, or Pearson and
    Spearman) beside those of a k-mer baseline fitted on the same split, and a learning-curve plot."""
    with reported_errors("genotools-train", debug):
        check_choices([("--loading", loading, LOADING)])
        if resolve_device(device).type == "cuda" and devices > torch.cuda.device_count():
            raise InputError(f"--devices {devices}: only {torch.cuda.device_count()} CUDA device(s) are visible")
        config = TrainConfig(arch=arch, hyperparameters=_parse_params(param), epochs=epochs, batch_size=batch_size,
                             lr=lr, patience=patience, precision=precision, reverse_complement=reverse_complement,
                             kmer_fallback=kmer_fallback, seed=seed, valid_chroms=_chroms(valid_chroms),
                             test_chroms=_chroms(test_chroms))
        run = TrainingRun(data, output, config, loading, baseline, resume,
                          checkpoint or beside(output, ".checkpoint.safetensors"),
                          metrics or beside(output, ".metrics.json"), plot or beside(output, ".learning_curves.png"),
                          device, threads, quiet)
        if devices == 1:
            train_process(run)
        elif from_environment().world > 1:
            raise InputError("--devices starts its own processes; under torchrun, leave it out (torchrun's "
                             "--nproc-per-node sets the processes)")
        else:
            distributed.spawn(train_process, (run,), devices)


@dataclass
class TrainingRun:
    """What every process of a training run is told."""

    data: Path
    output: Path
    config: TrainConfig
    loading: str
    baseline: bool
    resume: Path | None
    checkpoint: Path
    metrics: Path
    plot: Path
    device: str
    threads: int
    quiet: bool


def train_process(run: TrainingRun) -> None:
    """Train alone, or as one of several processes (started by --devices or by torchrun): each on its own device
    (its GPU, or a share of the CPU threads), its share of every batch; rank 0 writes the outputs."""
    ranks = from_environment()
    device = resolve_device(run.device)
    if device.type == "cuda" and ranks.world > 1:
        device = torch.device("cuda", ranks.local_rank)
        torch.cuda.set_device(device)
    threads = run.threads or (os.cpu_count() if ranks.local_world > 1 else 0)
    configure(max(1, threads // ranks.local_world) if threads else 0, run.config.seed)
    quiet = run.quiet or not ranks.writes
    dataset = read_dataset(run.data, {"memory": True, "stream": False, "auto": None}[run.loading])
    distributed.start(ranks, device)
    try:
        with training_bar(quiet) as bar:
            result = fit(dataset, run.config, device, run.checkpoint, run.resume, TrainingProgress(bar, unit="seq"),
                         source=run.data, ranks=ranks)
    finally:
        distributed.stop(ranks)
    if result is not None:
        _write_outputs(run, dataset, result, device)


def _write_outputs(run, dataset, result, device):
    """The model, its metrics (network beside baseline) and learning curves."""
    metadata = sequence_model_metadata(result, dataset, run.data)
    report = {"best_epoch": result.best_epoch, "epochs_run": len(result.history), "history": result.history,
              "sequences": {split: int(len(result.splits[split])) for split in SPLITS}}
    for split in ("valid", "test"):
        index = result.splits[split]
        predicted = predict(result.model, metadata, dataset.onehot, device, precision=run.config.precision,
                            rows=index)
        report[split] = task_metrics(dataset.labels[index], predicted, dataset.task_names, result.task_types)
    if result.baseline is not None:
        uses_kmer = result.model.use_kmer.tolist()
        report["kmer_fallback"] = [task for task, used in zip(dataset.task_names, uses_kmer) if used]
    fitted = result.baseline
    if run.baseline and fitted is None:
        say(run.quiet, "fitting the k-mer baseline")
        fitted = kmer_baseline(dataset.onehot, dataset.labels, result.task_types, result.splits, run.config.seed)
    if fitted is not None:
        report["baseline"] = {
            "name": fitted.name, "penalty": dict(zip(dataset.task_names, fitted.penalties)),
            **{split: task_metrics(dataset.labels[result.splits[split]], fitted.predictions[split],
                                   dataset.task_names, result.task_types) for split in ("valid", "test")}}
    save_model(run.output, result.model, metadata)
    with atomic_output(run.metrics) as tmp:
        tmp.write_text(json.dumps(report, indent=2) + "\n")
    with atomic_output(run.plot) as tmp:
        plot_learning_curves(result.history, result.best_epoch, tmp)
    if not run.quiet:
        stderr.print(_metrics_table(report))
    say(run.quiet, f"model: {run.output}\nmetrics: {run.metrics}\nlearning curves: {run.plot}\n"
                   f"checkpoint: {run.checkpoint}")


def _metrics_table(report):
    table = Table(title="Test chromosomes")
    for column in ("task", "model", "n", "AUROC", "AUPRC", "Pearson", "Spearman"):
        table.add_column(column)
    for task, values in report["test"].items():
        chosen = "model (k-mer fallback)" if task in report.get("kmer_fallback", []) else "model (network)"
        rows = [(chosen, values)] + ([("k-mer baseline", report["baseline"]["test"][task])]
                                     if "baseline" in report else [])
        for i, (model, metrics) in enumerate(rows):
            cells = [metrics.get(key) for key in ("auroc", "auprc", "pearson", "spearman")]
            table.add_row(task if i == 0 else "", model, str(metrics["n"]),
                          *("" if v is None else f"{v:.3f}" for v in cells))
    return table


app = single_command_app(
    train, "genotools-train --data data.h5 --arch basset --valid-chroms chr8 --test-chroms chr9 "
    "--output model.safetensors")
