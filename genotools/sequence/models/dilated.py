import torch
from torch import nn


class DilatedBlock(nn.Module):
    def __init__(self, channels: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm1d(channels),
            nn.GELU(),
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation),
            nn.BatchNorm1d(channels),
            nn.GELU(),
            nn.Conv1d(channels, channels, 1),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class GlobalMaxPool(nn.Module):
    """The maximum over positions: AdaptiveMaxPool1d(1), whose gradient has no deterministic CUDA kernel."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(-1, keepdim=True)


class DilatedResNet(nn.Module):
    """A convolution stem, residual blocks with dilation 2, 4, 8, ..., then global pooling and a linear head."""

    def __init__(self, seq_len: int, n_tasks: int, channels: int, stem_kernel: int, blocks: int,
                 dropout: float) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv1d(4, channels, stem_kernel, padding=stem_kernel // 2),
            nn.MaxPool1d(2, ceil_mode=True),
        )
        self.blocks = nn.Sequential(*(DilatedBlock(channels, 2 ** (i + 1), dropout) for i in range(blocks)))
        self.head = nn.Sequential(nn.BatchNorm1d(channels), nn.GELU(), GlobalMaxPool(), nn.Flatten(),
                                  nn.Linear(channels, n_tasks))

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(onehot.transpose(1, 2))))
