"""Running a trained model over encoded sequences, and mapping raw outputs to the user's scale."""

from pathlib import Path

import numpy as np
import torch
from torch import nn

from genotools.errors import InputError
from genotools.io.hdf5 import EncodedDataset, StoredOneHot
from genotools.runtime import autocast
from genotools.sequence.encoding import reverse_complement_one_hot


@torch.no_grad()
def raw_outputs(model: nn.Module, onehot: np.ndarray | torch.Tensor | StoredOneHot, device: torch.device,
                batch_size: int = 256, precision: str = "fp32", reverse_complement: bool = True,
                rows: np.ndarray | None = None) -> np.ndarray:
    """Raw model outputs (N, tasks) for uint8 one-hot sequences (N, length, 4): a numpy array, a tensor, or a
    dataset's array left in its file (read a batch at a time); only for `rows` (sorted) of them when given.

    With `reverse_complement`, the outputs for each sequence and its reverse complement are averaged.
    """
    model.eval()
    chunks = []
    for start in range(0, len(onehot) if rows is None else len(rows), batch_size):
        part = slice(start, start + batch_size)
        batch = torch.as_tensor(onehot[part] if rows is None else onehot[rows[part]])
        batch = batch.to(device, non_blocking=True).float()
        with autocast(device, precision):
            out = model(batch).float()
            if reverse_complement:
                out = (out + model(reverse_complement_one_hot(batch)).float()) / 2
        chunks.append(out.cpu())
    return torch.cat(chunks).numpy() if chunks else np.zeros((0, 0), dtype=np.float32)


def to_output_scale(raw: np.ndarray, task_types: list[str], target_mean: list[float] | np.ndarray,
                    target_std: list[float] | np.ndarray) -> np.ndarray:
    """Probabilities for binary tasks, values in the training targets' units for regression tasks."""
    binary = np.array([kind == "binary" for kind in task_types])
    scaled = raw * np.asarray(target_std, dtype=np.float32) + np.asarray(target_mean, dtype=np.float32)
    return np.where(binary, 1 / (1 + np.exp(-raw)), scaled).astype(np.float32)


def predict(model: nn.Module, metadata: dict, onehot: np.ndarray | torch.Tensor | StoredOneHot, device: torch.device,
            batch_size: int = 256, precision: str = "fp32", reverse_complement: bool = True,
            rows: np.ndarray | None = None) -> np.ndarray:
    """Predictions on the output scale for every task of a model loaded with `model_file.load_sequence_model`
    (for `rows` of `onehot` only, when given)."""
    raw = raw_outputs(model, onehot, device, batch_size, precision, reverse_complement, rows)
    return to_output_scale(raw, metadata["task_types"], metadata["target_mean"], metadata["target_std"])


def check_compatible(metadata: dict, data: EncodedDataset, source: Path | str) -> None:
    """Refuse a dataset whose sequence length or encoding differs from what the model was trained on."""
    if data.seq_len != metadata["seq_len"]:
        raise InputError(f"{source}: sequences are {data.seq_len} bp but the model takes {metadata['seq_len']} bp; "
                         f"re-encode with --seq-len {metadata['seq_len']}, or predict from --reference/--regions")
    for key in ("alphabet", "unknown_base_encoding"):
        if data.attrs.get(key) != metadata.get(key):
            raise InputError(f"{source}: {key} {data.attrs.get(key)!r} differs from the model's {metadata.get(key)!r}")
