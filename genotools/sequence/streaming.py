"""Training batches for datasets larger than memory, read from the dataset's file as training goes.

Each epoch takes the HDF5 chunks that hold training rows in a random order, BUFFER_CHUNKS at a time, and the rows of
each such buffer in a random order, cut into batches: a shuffle over chunks and within a buffer, so that every
chunk is decompressed once an epoch. A background thread reads the next buffer while the model trains on the
current one (h5py releases the GIL while it reads), so that a GPU does not wait for the disk.
"""

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import torch

from genotools.distributed import SINGLE, Ranks
from genotools.io.hdf5 import StoredOneHot

BUFFER_CHUNKS = 64  # HDF5 chunks shuffled together: 16,768 windows of 1,000 bp (64 MiB), two buffers in memory


class ChunkShuffledBatches:
    """Batches of the rows `rows` (sorted) of a stored one-hot array, read a buffer ahead by `reader`. As one of
    several processes (`ranks`), this one reads its own share of the chunks: every world-th of an epoch's order."""

    def __init__(self, onehot: StoredOneHot, rows: np.ndarray, batch_size: int, reader: ThreadPoolExecutor,
                 ranks: Ranks = SINGLE) -> None:
        self.onehot, self.batch_size, self.reader, self.ranks = onehot, batch_size, reader, ranks
        chunk = rows // onehot.chunk_rows
        self.chunks = np.split(rows, np.flatnonzero(np.diff(chunk)) + 1)  # the rows of each chunk that has some
        self.pending: list[tuple[np.ndarray, Future]] = []
        self.rows, self.buffer = np.empty(0, dtype=np.int64), None

    def epoch(self) -> list[torch.Tensor]:
        """This epoch's batches (row numbers), in order, from torch's global generator; starts reading the first
        buffer."""
        order = torch.randperm(len(self.chunks)).tolist()
        shares = [[np.sort(np.concatenate([self.chunks[i] for i in share[first : first + BUFFER_CHUNKS]]))
                   for first in range(0, len(share), BUFFER_CHUNKS)]
                  for share in (order[rank :: self.ranks.world] for rank in range(self.ranks.world))]
        # as many steps as every process has: one that took more would wait for the others' gradients forever
        steps = min(sum(len(buffer) // self.batch_size + (len(buffer) % self.batch_size > 1) for buffer in share)
                    for share in shares)
        buffers, batches = shares[self.ranks.rank], []
        for buffer in buffers:
            shuffled = torch.from_numpy(buffer)[torch.randperm(len(buffer))]
            batches += [batch for batch in shuffled.split(self.batch_size) if len(batch) > 1]  # batch norm needs 2
        self.pending = [(buffer, None) for buffer in buffers]
        self.rows, self.buffer = np.empty(0, dtype=np.int64), None
        self._read_ahead()
        return batches[:steps]

    def inputs(self, batch: torch.Tensor) -> torch.Tensor:
        """The uint8 one-hot rows of `batch`, one of this epoch's batches asked for in order."""
        rows = batch.numpy()
        position = np.searchsorted(self.rows, rows)
        if position[0] == len(self.rows) or self.rows[position[0]] != rows[0]:  # the batch starts the next buffer
            self.rows, future = self.pending.pop(0)
            self.buffer = future.result()
            self._read_ahead()
            position = np.searchsorted(self.rows, rows)
        return torch.from_numpy(self.buffer[position])

    def _read_ahead(self):
        """Start reading the first buffer not yet asked for."""
        if self.pending and self.pending[0][1] is None:
            self.pending[0] = (self.pending[0][0], self.reader.submit(self.onehot.__getitem__, self.pending[0][0]))
