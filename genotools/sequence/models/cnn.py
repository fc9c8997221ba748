import torch
from torch import nn

from genotools.sequence.models.dilated import GlobalMaxPool


class TwoLayerCNN(nn.Module):
    """A motif convolution + ReLU + max-pool, a second convolution + ReLU, the maximum over positions, a linear
    head: the small network that a deep model on few windows has to beat."""

    def __init__(self, seq_len: int, n_tasks: int, channels: int, kernel_size: int, pool_size: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv1d(4, channels, kernel_size, padding=kernel_size // 2),
            nn.ReLU(),
            nn.MaxPool1d(pool_size, ceil_mode=True),
            nn.Conv1d(channels, channels, 7, padding=3),
            nn.ReLU(),
            GlobalMaxPool(),
            nn.Flatten(),
            nn.Linear(channels, n_tasks),
        )

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        return self.layers(onehot.transpose(1, 2))
