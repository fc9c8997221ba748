import torch
from torch import nn


class Basset(nn.Module):
    """Convolution blocks (conv, batch norm, ReLU, max-pool) then two fully connected layers."""

    def __init__(self, seq_len: int, n_tasks: int, channels: list[int], kernel_sizes: list[int], pool_sizes: list[int],
                 hidden: int, dropout: float) -> None:
        super().__init__()
        layers, in_channels = [], 4
        for out_channels, kernel, pool in zip(channels, kernel_sizes, pool_sizes):
            layers += [
                nn.Conv1d(in_channels, out_channels, kernel, padding=kernel // 2),
                nn.BatchNorm1d(out_channels),
                nn.ReLU(),
                nn.MaxPool1d(pool, ceil_mode=True),
            ]
            in_channels = out_channels
        self.features = nn.Sequential(*layers)
        self.features.eval()  # the trial pass measures the flattened size; in training mode it would move the
        with torch.no_grad():  # batch norms' running statistics, and fail on one value per channel
            flat = self.features(torch.zeros(1, 4, seq_len)).numel()
        self.features.train()
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_tasks),
        )

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(onehot.transpose(1, 2)))
