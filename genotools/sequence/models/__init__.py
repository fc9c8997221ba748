"""Sequence-to-function architectures behind one registry: name -> builder with default hyperparameters.

Every trainable model (ARCHITECTURES) maps one-hot sequences shaped (batch, length, 4) to one raw output per task
(a logit for binary tasks, a value for regression tasks). The architectures of published models (PUBLISHED) are
rebuilt from the model files that genotools-import-model writes, and give what their authors' models give.
"""

import json
from dataclasses import dataclass

from torch import nn

from genotools.errors import InputError
from genotools.sequence.models.basset import Basset
from genotools.sequence.models.cnn import TwoLayerCNN
from genotools.sequence.models.danq import DanQ
from genotools.sequence.models.dilated import DilatedResNet
from genotools.sequence.models.spliceai import SpliceAI


@dataclass(frozen=True)
class Architecture:
    builder: type
    defaults: dict
    summary: str
    any_depth: bool = False  # its list hyperparameters (one entry per layer) may have any length


ARCHITECTURES = {
    "basset": Architecture(
        Basset,
        dict(channels=[128, 128, 128], kernel_sizes=[19, 11, 7], pool_sizes=[3, 4, 4], hidden=256, dropout=0.3),
        "Basset/DeepSEA-style CNN: three convolution + max-pool blocks, two fully connected layers "
        "(Kelley et al. 2016, Genome Research)",
    ),
    "danq": Architecture(
        DanQ,
        dict(channels=128, kernel_size=19, pool_size=8, lstm_hidden=64, hidden=128, dropout=0.3,
             positional_dropout=0.5),
        "DanQ-style hybrid: one convolution layer for motifs, a bidirectional LSTM for their grammar, read out by "
        "position and position-free (Quang & Xie 2016, Nucleic Acids Research)",
    ),
    "dilated": Architecture(
        DilatedResNet,
        dict(channels=96, stem_kernel=15, blocks=5, dropout=0.2),
        "Basenji-style dilated residual CNN: stacked dilated convolutions with exponentially growing receptive "
        "field (Kelley et al. 2018, Genome Research)",
    ),
    "cnn": Architecture(
        TwoLayerCNN,
        dict(channels=64, kernel_size=15, pool_size=4),
        "small two-layer CNN: a motif convolution, max-pool, a second convolution, global max pool; fast, and the "
        "bar a deeper model must clear on few windows",
    ),
}

PUBLISHED = {
    "spliceai": Architecture(
        SpliceAI,
        dict(channels=32, kernel_sizes=[11] * 8 + [21] * 4 + [41] * 4,
             dilations=[1] * 4 + [4] * 4 + [10] * 4 + [25] * 4, members=5),
        "SpliceAI: residual dilated convolutions over a context of 80 to 10,000 bases (the defaults: SpliceAI-10k's), "
        "per-position probabilities of neither, acceptor and donor, averaged over an ensemble (Jaganathan et al. "
        "2019, Cell)",
        any_depth=True,
    ),
}


def architecture(name: str, published: bool = False) -> Architecture:
    """The trainable architecture `name`, or with `published` also a published model's."""
    if name in PUBLISHED:
        if published:
            return PUBLISHED[name]
        raise InputError(f"architecture {name!r} is a published model's: import its weights with "
                         f"genotools-import-model; choose one to train among {', '.join(ARCHITECTURES)}")
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise InputError(f"unknown architecture {name!r}; choose one of {', '.join(ARCHITECTURES)}") from None


def _same_kind(value, default, any_length=False):
    if isinstance(default, list):
        return (isinstance(value, list) and (len(value) == len(default) or any_length and len(value) > 0)
                and all(_same_kind(v, default[0]) for v in value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or isinstance(default, float)


def _in_range(key, value):
    """A dropout is a probability below 1; every other hyperparameter counts something (channels, bases, blocks)."""
    values = value if isinstance(value, list) else [value]
    return all(0 <= v < 1 if key.endswith("dropout") else v >= 1 for v in values)


def build_model(name: str, seq_len: int, n_tasks: int, hyperparameters: dict | None = None,
                published: bool = False) -> tuple[nn.Module, dict]:
    """Build architecture `name` (with `published`, also a published model's) for sequences of `seq_len` and
    `n_tasks` outputs; unknown hyperparameters fail."""
    arch = architecture(name, published)
    unknown = set(hyperparameters or {}) - set(arch.defaults)
    if unknown:
        raise InputError(f"architecture {name!r} has no hyperparameter {', '.join(sorted(unknown))}; "
                         f"it takes {', '.join(arch.defaults)}")
    for key, value in (hyperparameters or {}).items():
        if not _same_kind(value, arch.defaults[key], arch.any_depth):
            raise InputError(f"hyperparameter {key} of {name!r} takes values like {json.dumps(arch.defaults[key])}, "
                             f"not {json.dumps(value)}")
        if not _in_range(key, value):
            bounds = "at least 0 and below 1" if key.endswith("dropout") else "at least 1"
            raise InputError(f"hyperparameter {key} of {name!r} must be {bounds}, not {json.dumps(value)}")
    params = {**arch.defaults, **(hyperparameters or {})}
    return arch.builder(seq_len=seq_len, n_tasks=n_tasks, **params), params
