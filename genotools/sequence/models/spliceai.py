"""SpliceAI (Jaganathan et al. 2019, Cell): residual dilated convolutions over a long context, predicting for each
position whether it is neither a splice site, an acceptor or a donor. Its published weights are imported, not
trained here (genotools.sequence.published)."""

import torch
from torch import nn

CLASSES = ("neither", "acceptor", "donor")
GROUP = 4  # residual units between two skip connections
BATCH_NORM_EPSILON = 1e-3  # Keras's default, which SpliceAI kept


def context(kernel_sizes: list[int], dilations: list[int]) -> int:
    """The bases of sequence around the predicted positions that the network reads (half on each side)."""
    return 2 * sum(dilation * (kernel - 1) for kernel, dilation in zip(kernel_sizes, dilations))


class ResidualUnit(nn.Module):
    def __init__(self, channels: int, kernel: int, dilation: int) -> None:
        super().__init__()
        padding = dilation * (kernel - 1) // 2  # Keras's 'same' padding; kernels are odd, so it is symmetric
        self.norm1 = nn.BatchNorm1d(channels, eps=BATCH_NORM_EPSILON)
        self.conv1 = nn.Conv1d(channels, channels, kernel, padding=padding, dilation=dilation)
        self.norm2 = nn.BatchNorm1d(channels, eps=BATCH_NORM_EPSILON)
        self.conv2 = nn.Conv1d(channels, channels, kernel, padding=padding, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.conv1(torch.relu(self.norm1(x)))
        return self.conv2(torch.relu(self.norm2(hidden))) + x


class SpliceAINet(nn.Module):
    """One SpliceAI network: a 1x1 convolution, residual units whose outputs every GROUP units (and after the last)
    are summed through 1x1 convolutions into a skip path, the context cropped off, and a 1x1 convolution to the
    classes' probabilities."""

    def __init__(self, channels: int, kernel_sizes: list[int], dilations: list[int], n_classes: int) -> None:
        super().__init__()
        self.stem = nn.Conv1d(4, channels, 1)
        self.skip = nn.Conv1d(channels, channels, 1)
        self.units = nn.ModuleList(ResidualUnit(channels, k, d) for k, d in zip(kernel_sizes, dilations))
        self.taps = nn.ModuleList(nn.Conv1d(channels, channels, 1) for _ in range(0, len(self.units), GROUP))
        self.classifier = nn.Conv1d(channels, n_classes, 1)
        self.crop = context(kernel_sizes, dilations) // 2

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        x = self.stem(onehot.transpose(1, 2))
        skip = self.skip(x)
        for index, unit in enumerate(self.units):
            x = unit(x)
            if (index + 1) % GROUP == 0 or index + 1 == len(self.units):
                skip = skip + self.taps[index // GROUP](x)
        cropped = skip[:, :, self.crop:skip.shape[-1] - self.crop]
        return torch.softmax(self.classifier(cropped), dim=1).transpose(1, 2)


class SpliceAI(nn.Module):
    """An ensemble of SpliceAI networks, whose probabilities are averaged as SpliceAI averages its five models.

    Maps one-hot sequences (batch, length, 4; N as zeros) to per-position probabilities of CLASSES, (batch,
    length - context, n_classes): the positions with the context's half on each side. Any length above the context
    works (`seq_len` is not used)."""

    def __init__(self, seq_len: int, n_tasks: int, channels: int, kernel_sizes: list[int], dilations: list[int],
                 members: int) -> None:
        super().__init__()
        self.members = nn.ModuleList(SpliceAINet(channels, kernel_sizes, dilations, n_tasks) for _ in range(members))

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(onehot) for member in self.members]).mean(0)
