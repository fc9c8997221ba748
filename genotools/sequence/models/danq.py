import torch
from torch import nn


class DanQ(nn.Module):
    """A convolution layer that learns motifs, max-pooled, then a bidirectional LSTM over the motif track, read out
    two ways whose logits add up: by position (DanQ's flattened track through a dense layer: what is where, as a
    splice site needs) and position-free (the track's maximum and mean over positions: a motif anywhere, which a few
    hundred windows can teach). The positional read-out is dropped whole for a share `positional_dropout` of the
    training windows: otherwise it fits small datasets by position before the position-free one learns anything."""

    def __init__(self, seq_len: int, n_tasks: int, channels: int, kernel_size: int, pool_size: int, lstm_hidden: int,
                 hidden: int, dropout: float, positional_dropout: float) -> None:
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
        self.position_free = nn.Linear(2 * 2 * lstm_hidden, n_tasks)
        self.positional = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(steps * 2 * lstm_hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, n_tasks),
        )
        self.positional_dropout = positional_dropout

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        motifs = self.conv(onehot.transpose(1, 2)).transpose(1, 2)
        track, _ = self.lstm(motifs)
        positional = self.positional(track)
        if self.training and self.positional_dropout:
            kept = torch.rand(len(positional), 1, device=positional.device) >= self.positional_dropout
            positional = positional * kept / (1 - self.positional_dropout)
        return self.position_free(torch.cat([track.amax(1), track.mean(1)], 1)) + positional
