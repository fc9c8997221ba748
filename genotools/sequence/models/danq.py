import torch
from torch import nn


class DanQ(nn.Module):
    """A convolution layer that learns motifs, max-pooled, then a bidirectional LSTM over the motif track."""

    def __init__(self, seq_len: int, n_tasks: int, channels: int, kernel_size: int, pool_size: int, lstm_hidden: int,
                 hidden: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(4, channels, kernel_size, padding=kernel_size // 2),
            nn.ReLU(),
            nn.MaxPool1d(pool_size, ceil_mode=True),
            nn.Dropout(dropout),
        )
        self.lstm = nn.LSTM(channels, lstm_hidden, batch_first=True, bidirectional=True)
        with torch.no_grad():
            steps = self.conv(torch.zeros(1, 4, seq_len)).shape[-1]
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(steps * 2 * lstm_hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_tasks),
        )

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        motifs = self.conv(onehot.transpose(1, 2)).transpose(1, 2)
        track, _ = self.lstm(motifs)
        return self.head(track)
