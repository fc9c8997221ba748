"""Sequence-model files: what genotools-train writes and every sequence tool reads back.

The metadata holds the architecture, hyperparameters, the k-mer fallback's patterns (if any), input length, alphabet,
task names and types, target scaling, reference fingerprint, training options and genotools version.
"""

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from genotools import __version__
from genotools.checkpoint import load_weights, read_metadata
from genotools.errors import InputError
from genotools.io.hdf5 import EncodedDataset
from genotools.sequence.models import build_model
from genotools.sequence.models.kmer import KmerLinear, WithKmerFallback

if TYPE_CHECKING:  # only for hints: reading a model file needs none of the training code
    from genotools.sequence.training import FitResult


def sequence_model_metadata(fitted: "FitResult", dataset: EncodedDataset, data_path: Path | str) -> dict:
    """The metadata of the model of `fitted` (a training.FitResult), trained on `dataset`; the model file is
    `checkpoint.save_model(path, fitted.model, metadata)`."""
    return {
        "architecture": fitted.config.arch,
        "hyperparameters": fitted.hyperparameters,
        "kmer_fallback": [list(pattern) for pattern in fitted.baseline.patterns] if fitted.baseline else None,
        "seq_len": dataset.seq_len,
        "alphabet": dataset.attrs["alphabet"],
        "unknown_base_encoding": dataset.attrs["unknown_base_encoding"],
        "task_names": dataset.task_names,
        "task_types": fitted.task_types,
        "target_mean": fitted.target_mean,
        "target_std": fitted.target_std,
        "reference_fingerprint": dataset.attrs.get("reference_fingerprint"),
        "training": {**dataclasses.asdict(fitted.config), "best_epoch": fitted.best_epoch, "data": str(data_path),
                     "torch_version": torch.__version__},
        "genotools_version": __version__,
    }


def load_sequence_model(path: Path | str) -> tuple[nn.Module, dict]:
    """(model in eval mode on the CPU, metadata) from a file written with `sequence_model_metadata`."""
    metadata = read_metadata(path)
    if "architecture" not in metadata or "kind" in metadata:
        raise InputError(f"{path}: not a sequence model (a {metadata.get('kind', 'different')} model?); train one "
                         "with genotools-train")
    model, _ = build_model(metadata["architecture"], metadata["seq_len"], len(metadata["task_names"]),
                           metadata["hyperparameters"])
    if metadata.get("kmer_fallback"):  # model files written before the fallback existed lack the key
        n_tasks = len(metadata["task_names"])
        model = WithKmerFallback(model, KmerLinear(metadata["kmer_fallback"], n_tasks),
                                 torch.zeros(n_tasks, dtype=torch.bool))
    return load_weights(path, model, "the architecture in its metadata"), metadata
