"""Model files: safetensors weights plus JSON metadata. Loading never unpickles.

A model file holds the weights and, under the metadata key "genotools", what its domain needs to rebuild and
apply the network (each domain builds that metadata beside the function that loads it back). A training
checkpoint holds the model, the best weights so far and the optimiser state as tensors, and the loop's progress
as JSON, so that a run resumed from it ends exactly where an unbroken run would.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save
from torch import nn

from genotools.errors import InputError
from genotools.io.atomic import atomic_output

_KEY = "genotools"


def save_model(path: Path | str, model: nn.Module, metadata: dict) -> None:
    _write(path, model.state_dict(), metadata)


def _write(path, tensors, metadata):
    """A safetensors file of `tensors` with `metadata` as JSON. Serialised in memory and written by Python, so a
    full disk raises OSError (ENOSPC) as for any other output."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(save(_contiguous(tensors), metadata={_KEY: json.dumps(metadata)}))


def read_metadata(path: Path | str) -> dict:
    """The genotools metadata of a safetensors file; InputError for anything else (pickles included)."""
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
    except FileNotFoundError:
        raise InputError(f"{path}: model file not found") from None
    except (SafetensorError, OSError) as error:
        raise InputError(f"{path}: not a safetensors model file ({error}); genotools never loads pickled "
                         "models") from None
    if _KEY not in metadata:
        raise InputError(f"{path}: safetensors file without genotools metadata; train models with genotools-train")
    try:
        described = json.loads(metadata[_KEY])
    except ValueError as error:
        raise InputError(f"{path}: its genotools metadata is not valid JSON ({error}); the file is damaged: "
                         "train or download it again") from None
    if not isinstance(described, dict):
        raise InputError(f"{path}: its genotools metadata is not a JSON object; the file is damaged: train or "
                         "download it again")
    return described


def load_weights(path: Path | str, model: nn.Module, described: str = "the network in its metadata") -> nn.Module:
    """`model`, built from a model file's metadata, with the file's weights, in eval mode."""
    try:
        model.load_state_dict(load_file(str(path)))
    except RuntimeError as error:
        raise InputError(f"{path}: weights do not fit {described} ({error})") from None
    return model.eval()


def save_training_state(path: Path | str, model: nn.Module, best_state: dict[str, torch.Tensor],
                        optimizer: torch.optim.Optimizer, progress: dict,
                        extra: dict[str, torch.Tensor] | None = None) -> None:
    """Everything a resumed run needs: current and best weights, optimiser tensors, `progress` (JSON) and any
    `extra` tensors of the caller."""
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors.update({f"best.{k}": v for k, v in best_state.items()})
    tensors.update({f"extra.{k}": v for k, v in (extra or {}).items()})
    optim = optimizer.state_dict()
    for index, state in optim["state"].items():
        tensors.update({f"optim.{index}.{k}": v for k, v in state.items()})
    _write(path, tensors, {**progress, "param_groups": optim["param_groups"]})


@dataclass
class TrainingState:
    """A checkpoint read back: the caller's progress and extra tensors, and the weights to `restore`."""
    path: str
    progress: dict
    tensors: dict
    param_groups: list

    @property
    def extra(self) -> dict[str, torch.Tensor]:
        return {k[6:]: v for k, v in self.tensors.items() if k.startswith("extra.")}

    def restore(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
        """Load the current weights into `model` and the optimiser state into `optimizer`; returns the best
        weights so far."""
        try:
            model.load_state_dict({k[6:]: v for k, v in self.tensors.items() if k.startswith("model.")})
        except RuntimeError:
            raise InputError(f"{self.path}: checkpoint is for a different model; resume with the same options and "
                             "data") from None
        state = {}
        for key, value in self.tensors.items():
            if key.startswith("optim."):
                _, index, name = key.split(".", 2)
                state.setdefault(int(index), {})[name] = value
        optimizer.load_state_dict({"state": state, "param_groups": self.param_groups})
        return {k[5:]: v for k, v in self.tensors.items() if k.startswith("best.")}


def load_training_state(path: Path | str) -> TrainingState:
    progress = read_metadata(path)
    if "param_groups" not in progress:
        raise InputError(f"{path}: not a training checkpoint (a model file?); --resume takes the .checkpoint."
                         "safetensors file that training writes")
    return TrainingState(str(path), progress, load_file(str(path)), progress.pop("param_groups"))


def _contiguous(tensors):
    return {k: v.detach().contiguous() for k, v in tensors.items()}
