"""Which bases drive a sequence model's prediction: saturation mutagenesis and gradient attributions.

Every method explains one task's output before the final activation: the logit of a binary task (so ISM values
are log-odds differences, like score-variants' LOGFC) or the prediction in the training targets' units for a
regression task. With strand averaging, the explained output is the mean over the sequence and its reverse
complement, as in predict. Each method gives a (length, 4) array per sequence, one column per base A, C, G, T,
and one attribution per position:

- ism (in-silico saturation mutagenesis): [i, b] is the output with base b at position i minus the output of
  the sequence itself (0 for the base present). The attribution of a position is minus the mean over the bases
  substituted: how much the base present raises the output above the alternatives.
- gradient-input (gradient x input): the gradient of the output times the one-hot input, so only the base
  present is non-zero; the attribution is that value.
- integrated-gradients (Sundararajan et al. 2017): (input - baseline) times the gradient averaged over `steps`
  points (midpoint rule) on the straight path from the baseline to the input. The baseline is 0.25 in every
  channel at every position: a sequence of uniform base composition, with no base favoured. The attribution of
  a position is the sum over its four channels, and all attributions add up to output(input) - output(baseline).
"""

import contextlib

import numpy as np
import torch
from torch import nn

from genotools.runtime import autocast
from genotools.sequence.encoding import reverse_complement_one_hot

METHODS = ("ism", "gradient-input", "integrated-gradients")
BASELINE = 0.25


def explained_output(model: nn.Module, metadata: dict, task: str, batch: torch.Tensor, precision: str,
                     reverse_complement: bool) -> torch.Tensor:
    """The output that attributions explain, (N,), for float one-hot `batch` (N, length, 4) on the model's device."""
    index = metadata["task_names"].index(task)
    scale = 1.0 if metadata["task_types"][index] == "binary" else float(metadata["target_std"][index])
    with autocast(batch.device, precision):
        out = model(batch)[:, index].float()
        if reverse_complement:
            out = (out + model(reverse_complement_one_hot(batch))[:, index].float()) / 2
    return out * scale


def attribute(model: nn.Module, metadata: dict, onehot: np.ndarray | torch.Tensor, task: str, method: str,
              device: torch.device, *, batch_size: int = 256, precision: str = "fp32", reverse_complement: bool = True,
              steps: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """(values (N, length, 4), attributions (N, length)) for uint8 one-hot sequences (N, length, 4)."""
    model.eval()

    def output(batch):
        return explained_output(model, metadata, task, batch, precision, reverse_complement)

    onehot = torch.as_tensor(onehot)
    if method == "ism":  # the mutants of one sequence fill the batches
        values = [_ism(output, sequence.to(device).float(), batch_size)[None] for sequence in onehot]
    elif method == "gradient-input":
        values = [_gradient_input(output, onehot[start : start + batch_size].to(device).float())
                  for start in range(0, len(onehot), batch_size)]
    else:
        values = [_integrated_gradients(output, onehot[start : start + batch_size].to(device).float(), batch_size,
                                        steps)
                  for start in range(0, len(onehot), batch_size)]
    values = np.concatenate(values) if values else np.zeros(onehot.shape, dtype=np.float32)
    if method == "ism":
        attributions = -values.sum(axis=2) / (onehot.numpy() == 0).sum(axis=2)
    else:
        attributions = values.sum(axis=2)
    return values.astype(np.float32), attributions.astype(np.float32)


@torch.no_grad()
def _ism(output, sequence, batch_size):
    positions, bases = torch.nonzero(sequence == 0, as_tuple=True)
    reference = output(sequence[None])[0]
    effects = torch.zeros_like(sequence)
    for start in range(0, len(positions), batch_size):
        where, base = positions[start : start + batch_size], bases[start : start + batch_size]
        rows = torch.arange(len(where), device=sequence.device)
        mutants = sequence.repeat(len(where), 1, 1)
        mutants[rows, where] = 0
        mutants[rows, where, base] = 1
        effects[where, base] = output(mutants) - reference
    return effects.cpu().numpy()


def _gradient_input(output, batch):
    return (_gradients(output, batch) * batch).cpu().numpy()


def _integrated_gradients(output, batch, batch_size, steps):
    baseline = torch.full_like(batch, BASELINE)
    alphas = (torch.arange(steps, device=batch.device, dtype=batch.dtype) + 0.5) / steps
    per_pass = max(1, batch_size // len(batch))  # path points of every sequence in one pass
    total = torch.zeros_like(batch)
    for start in range(0, steps, per_pass):
        chosen = alphas[start : start + per_pass, None, None, None]
        path = (baseline + chosen * (batch - baseline)).flatten(0, 1)
        total += _gradients(output, path).view(len(chosen), *batch.shape).sum(dim=0)
    return ((batch - baseline) * total / steps).cpu().numpy()


def _gradients(output, batch):
    """d output / d input for each sequence of `batch` (outputs depend on their own sequence only)."""
    batch = batch.detach().requires_grad_(True)
    # cuDNN computes an LSTM's backward pass only in training mode; the native kernels work in eval mode.
    with torch.backends.cudnn.flags(enabled=False) if batch.is_cuda else contextlib.nullcontext():
        (gradient,) = torch.autograd.grad(output(batch).sum(), batch)
    return gradient
