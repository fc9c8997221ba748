from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np
import pytest
import torch

from genotools.distributed import Ranks
from genotools.io.hdf5 import StoredOneHot
from genotools.sequence import streaming


@pytest.fixture
def stored(tmp_path):
    """1,000 one-hot rows of 3 bases in chunks of 8, each row telling its number (base-4 digits)."""
    numbers = np.arange(1000)
    digits = (numbers[:, None] // 4 ** np.arange(5)) % 4
    onehot = np.eye(4, dtype=np.uint8)[digits]
    with h5py.File(tmp_path / "data.h5", "w") as store:
        store.create_dataset("onehot", data=onehot, chunks=(8, 5, 4), compression="gzip")
    return StoredOneHot(tmp_path / "data.h5", onehot.shape, 8), onehot


def test_rows_are_read_from_the_file_as_asked(stored):
    onehot, expected = stored
    rows = np.array([0, 3, 7, 8, 500, 501, 999])
    np.testing.assert_array_equal(onehot[rows], expected[rows])
    np.testing.assert_array_equal(onehot[10:20], expected[10:20])
    with pytest.raises(ValueError, match="increasing order"):
        onehot[np.array([5, 3])]


def test_an_epoch_visits_every_training_row_once_shuffled_over_chunks_and_within_a_buffer(stored, monkeypatch):
    monkeypatch.setattr(streaming, "BUFFER_CHUNKS", 4)
    onehot, expected = stored
    rows = np.flatnonzero(np.arange(1000) % 10 != 3)  # rows 3, 13 ... held out
    torch.manual_seed(0)
    with ThreadPoolExecutor(1) as reader:
        batches = streaming.ChunkShuffledBatches(onehot, rows, 7, reader)
        epochs = []
        for _ in range(2):
            order = batches.epoch()
            for batch in order:
                np.testing.assert_array_equal(batches.inputs(batch).numpy(), expected[batch.numpy()])
            epochs.append(torch.cat(order).numpy())
    for seen in epochs:
        # every row once, but the few left over where a buffer's rows do not fill a batch of two
        assert len(set(seen)) == len(seen) > len(rows) - 32 and set(seen) <= set(rows)
        buffers = seen[: 4 * 8 * 9 // 10] // 8  # the first buffer: the rows of 4 chunks, in a random order
        assert len(set(buffers)) == 4 and not (np.diff(seen[:20]) > 0).all()
    assert not np.array_equal(epochs[0], epochs[1])  # a new order every epoch


def test_each_process_reads_its_own_chunks_and_takes_as_many_steps_as_the_others(stored, monkeypatch):
    monkeypatch.setattr(streaming, "BUFFER_CHUNKS", 4)
    onehot, expected = stored
    rows = np.arange(1000)
    seen = []
    with ThreadPoolExecutor(1) as reader:
        for rank in range(3):
            torch.manual_seed(0)  # every process draws the same order of chunks
            batches = streaming.ChunkShuffledBatches(onehot, rows, 5, reader, Ranks(rank, 3, rank, 3))
            order = batches.epoch()
            for batch in order:
                np.testing.assert_array_equal(batches.inputs(batch).numpy(), expected[batch.numpy()])
            seen.append(order)
    assert len({len(order) for order in seen}) == 1  # the same number of steps
    chunks = [set(torch.cat(order).numpy() // 8) for order in seen]
    assert not (chunks[0] & chunks[1] or chunks[0] & chunks[2] or chunks[1] & chunks[2])  # its own chunks
    assert sum(len(c) for c in chunks) >= 125 - 3  # of the 125 chunks, all but a few rows at the end
