"""A linear k-mer model as a network layer, and a network that falls back on it task by task.

KmerLinear computes what genotools.sequence.baseline's linear models compute from k-mer frequencies, straight
from one-hot input: per pattern, the mean over the positions it covers without an N of the weight of the k-mer
there, plus a bias. Written as the multilinear polynomial sum_kmer w[kmer] * prod_j x[p + offset_j, kmer_j], it
is defined on any input, not only one-hot, and differentiable: at a one-hot input, the gradient of base b at a
position less that of the base present is the exact effect of that substitution, and integrated gradients from a
uniform baseline add up as they should. One-hot input without gradients (prediction, variant scoring) takes a
lookup of the same values instead.
"""

import torch
from torch import nn


def pattern_offsets(k: int, gap: int) -> list[int]:
    """Positions of a pattern's k informative bases: k // 2 of them, `gap` don't-care positions, the rest."""
    left = k // 2
    return list(range(left)) + list(range(left + gap, k + gap))


def _outer(columns: list[torch.Tensor]) -> torch.Tensor:
    """(batch, positions, 4**len(columns)): products of one base from each column, the first the most significant."""
    product = columns[0]
    for column in columns[1:]:
        product = (product[..., :, None] * column[..., None, :]).flatten(-2)
    return product


class KmerLinear(nn.Module):
    """Output per task: bias + for each (k, gap) pattern, the mean k-mer weight over the covered positions. The
    weights (one row per k-mer, 4**k rows, the first base most significant) are buffers: fitted in closed form by
    the baseline, not by gradient descent."""

    def __init__(self, patterns: list, n_tasks: int) -> None:
        super().__init__()
        self.patterns = [tuple(pattern) for pattern in patterns]
        for i, (k, _) in enumerate(self.patterns):
            self.register_buffer(f"weight{i}", torch.zeros(4**k, n_tasks))
        self.register_buffer("bias", torch.zeros(n_tasks))

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        onehot = onehot.float()
        lookup = not onehot.requires_grad and bool(((onehot == 0) | (onehot == 1)).all())
        out = self.bias.expand(len(onehot), -1)
        for i, (k, gap) in enumerate(self.patterns):
            weight = getattr(self, f"weight{i}")
            offsets = pattern_offsets(k, gap)
            positions = onehot.shape[1] - offsets[-1]
            columns = [onehot[:, offset : offset + positions] for offset in offsets]
            if lookup:
                covered = torch.stack([column.sum(-1) for column in columns]).prod(0)
                codes = sum(column.argmax(-1) * 4 ** (k - 1 - j) for j, column in enumerate(columns))
                total = (weight[codes] * covered[..., None]).sum(1)
            else:
                left, right = _outer(columns[: k // 2]), _outer(columns[k // 2 :])
                total = torch.einsum("bpl,lrt,bpr->bt", left, weight.view(left.shape[-1], right.shape[-1], -1),
                                     right)
                covered = left.sum(-1) * right.sum(-1)
            # The count of covered positions is a constant of the sequence, not something a base is credited for.
            out = out + total / covered.sum(1, keepdim=True).clamp(min=1).detach()
        return out


class WithKmerFallback(nn.Module):
    """A network beside a fitted linear k-mer model: each task's output comes from the k-mer model where that
    validated better (`use_kmer`, one flag per task), from the network elsewhere."""

    def __init__(self, network: nn.Module, kmer: KmerLinear, use_kmer: torch.Tensor) -> None:
        super().__init__()
        self.network, self.kmer = network, kmer
        self.register_buffer("use_kmer", use_kmer)

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        return torch.where(self.use_kmer, self.kmer(onehot), self.network(onehot))
