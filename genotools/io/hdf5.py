"""Encoded datasets in HDF5: one-hot sequences (uint8), labels, names, coordinates, task names and provenance."""

import os
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from genotools import __version__
from genotools.errors import InputError

_STRINGS = h5py.string_dtype()


class StoredOneHot:
    """A dataset's one-hot array left in its file: indexing it with a slice or with sorted row numbers reads those
    rows, each HDF5 chunk once, so that a dataset larger than memory can be trained on and predicted."""

    def __init__(self, path: Path | str, shape: tuple, chunk_rows: int) -> None:
        self.path, self.shape, self.chunk_rows = path, shape, chunk_rows

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice | np.ndarray) -> np.ndarray:
        with h5py.File(self.path, "r") as store:
            onehot = store["onehot"]
            if isinstance(rows, slice):
                return onehot[rows]
            rows = np.asarray(rows)
            if (np.diff(rows) <= 0).any():
                raise ValueError("rows of a stored one-hot array are read in increasing order")
            out = np.empty((len(rows), *self.shape[1:]), dtype=np.uint8)
            chunk = rows // self.chunk_rows
            for run in np.split(np.arange(len(rows)), np.flatnonzero(np.diff(chunk)) + 1):
                if len(run):
                    first = int(chunk[run[0]]) * self.chunk_rows
                    out[run] = onehot[first : first + self.chunk_rows][rows[run] - first]
            return out


@dataclass
class EncodedDataset:
    onehot: np.ndarray | StoredOneHot  # (sequences, length, 4) uint8
    names: list
    strands: list  # '-' for reverse-complement copies
    task_names: list
    labels: np.ndarray | None = None  # (sequences, tasks) float32, NaN where missing
    chroms: list | None = None  # window coordinates, when the sequences came from a reference
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None
    kmers: np.ndarray | None = None  # (sequences, 4**k) uint32
    attrs: dict = field(default_factory=dict)

    @property
    def seq_len(self) -> int:
        return self.onehot.shape[1]


@dataclass
class DatasetChunks:
    """A dataset made a chunk at a time, to be written without ever being whole in memory: `count` sequences of
    `seq_len` bases in consecutive runs, each an EncodedDataset."""

    count: int
    seq_len: int
    task_names: list
    attrs: dict  # provenance: the dataset's HDF5 attributes
    chunks: Iterator[EncodedDataset]


def chunk_rows(seq_len: int) -> int:
    """Sequences per HDF5 chunk of the one-hot array: about 1 MiB of it, the unit a reader decompresses."""
    return max(1, (1 << 20) // (seq_len * 4))


def write_dataset(path: Path | str, data: DatasetChunks) -> None:
    """Write `data` to `path` (a fresh HDF5 file) a run of sequences at a time."""
    # No chunk cache: each chunk is written as it is made, so a full disk fails that write; with a cache, the
    # failure comes when HDF5 flushes it on closing, and h5py 3.16 then crashes (segmentation fault).
    with h5py.File(path, "w", rdcc_nbytes=0) as out, ThreadPoolExecutor(COMPRESSING_THREADS) as pool:
        written, onehot = 0, None
        for chunk in data.chunks:
            if not written:
                _create_arrays(out, chunk, data)
                onehot = _CompressedRows(out["onehot"], pool)
            rows = slice(written, written + len(chunk.names))
            onehot.add(chunk.onehot)
            for name in _PER_SEQUENCE:
                if getattr(chunk, name) is not None:
                    out[name][rows] = getattr(chunk, name)
            written = rows.stop
        if written != data.count:
            raise ValueError(f"{data.count} sequences announced, {written} written")
        onehot.close()


COMPRESSING_THREADS = min(4, os.cpu_count() or 1)


class _CompressedRows:
    """Writes a chunked gzip array's rows in order, each whole chunk compressed (zlib, as HDF5's gzip filter does)
    by a thread pool while the caller makes the next rows, and written as it is: HDF5 would compress each chunk in
    the calling thread, one after another, and encoding would wait on it."""

    def __init__(self, dataset: h5py.Dataset, pool: ThreadPoolExecutor) -> None:
        self.dataset, self.pool, self.rows = dataset, pool, dataset.chunks[0]
        self.pending = np.empty((0, *dataset.shape[1:]), dtype=dataset.dtype)  # rows short of a whole chunk
        self.first = 0  # the row of pending[0]
        self.compressing: list[tuple[int, Future]] = []  # (first row, compressed bytes), in order

    def add(self, rows: np.ndarray) -> None:
        """Compress the chunks `rows` completes, and write those compressed before them."""
        rows = np.concatenate([self.pending, rows])
        whole = len(rows) // self.rows * self.rows
        written = len(self.compressing)
        self.compressing += [(self.first + start, self.pool.submit(zlib.compress, rows[start : start + self.rows], 1))
                             for start in range(0, whole, self.rows)]
        self._write(written)
        self.pending, self.first = rows[whole:], self.first + whole

    def close(self) -> None:
        """Write the rest: the last chunk padded to its full size, as HDF5 stores the chunks at an array's edge."""
        if len(self.pending):
            padded = np.zeros((self.rows, *self.pending.shape[1:]), dtype=self.pending.dtype)
            padded[: len(self.pending)] = self.pending
            self.compressing.append((self.first, self.pool.submit(zlib.compress, padded, 1)))
        self._write(len(self.compressing))

    def _write(self, count):
        """Write the first `count` chunks being compressed, once each is."""
        for first, compressed in self.compressing[:count]:
            self.dataset.id.write_direct_chunk((first,) + (0,) * (self.dataset.ndim - 1), compressed.result())
        del self.compressing[:count]


def _create_arrays(out, first, data):
    """The store's arrays, sized for `data`, with the fields of its run `first`; its attributes."""
    count = data.count
    # gzip level 1: as fast as LZF here, files half the size, and readable by every HDF5 library.
    out.create_dataset("onehot", shape=(count, first.seq_len, 4), dtype=np.uint8, compression="gzip",
                       compression_opts=1, chunks=(min(count, chunk_rows(first.seq_len)), first.seq_len, 4))
    out.create_dataset("task_names", data=first.task_names, dtype=_STRINGS)
    strings = ["names", "strands"] + (["chroms"] if first.chroms is not None else [])
    for name in strings:
        out.create_dataset(name, shape=(count,), dtype=_STRINGS)
    if first.labels is not None:
        out.create_dataset("labels", shape=(count, len(first.task_names)), dtype=np.float32)
    if first.chroms is not None:
        out.create_dataset("starts", shape=(count,), dtype=np.int64)
        out.create_dataset("ends", shape=(count,), dtype=np.int64)
    if first.kmers is not None:
        out.create_dataset("kmers", shape=(count, first.kmers.shape[1]), dtype=np.uint32, compression="gzip",
                           compression_opts=1, chunks=True)
    out.attrs.update(seq_len=data.seq_len, genotools_version=__version__, **data.attrs)


_PER_SEQUENCE = ("names", "strands", "labels", "chroms", "starts", "ends", "kmers")
# What reading a sequence's name, strand, contig (Python strings), labels and coordinates takes, about: read whole
# even when the one-hot array is left in the file.
_BYTES_PER_SEQUENCE = 200


def _check_layout(path, store, in_memory):
    """Refuse a store that is not a dataset, or whose arrays disagree or (`in_memory`) would not fit in memory,
    from their shapes alone (before reading anything)."""
    missing = [name for name in ("onehot", "names", "task_names") if name not in store]
    missing += ["the alphabet attribute"] if "alphabet" not in store.attrs else []
    if missing:
        raise InputError(f"{path}: not a genotools dataset (no {', '.join(missing)}); make one with genotools-encode")
    onehot = store["onehot"]
    if onehot.ndim != 3 or onehot.shape[2] != 4 or onehot.dtype != np.uint8:
        raise InputError(f"{path}: onehot is {onehot.dtype} of shape {onehot.shape}, not uint8 (sequences, length, "
                         "4); make the dataset with genotools-encode")
    for name in _PER_SEQUENCE:
        if name in store and store[name].shape[:1] != onehot.shape[:1]:
            raise InputError(f"{path}: {name} has {store[name].shape[0]:,} rows for {onehot.shape[0]:,} sequences; "
                             "the file is damaged: encode it again")
    if "labels" in store and store["labels"].shape[1:] != store["task_names"].shape:
        raise InputError(f"{path}: labels has {store['labels'].shape[1:]} columns for "
                         f"{store['task_names'].shape[0]} task names; the file is damaged: encode it again")
    memory = memory_bytes()
    if in_memory and onehot.nbytes > memory:
        raise InputError(f"{path}: its {onehot.shape[0]:,} sequences of {onehot.shape[1]:,} bp take "
                         f"{onehot.nbytes / 2**30:,.1f} GiB, more than this machine's memory "
                         f"({memory / 2**30:,.1f} GiB); train on it with --loading stream")
    if onehot.shape[0] * _BYTES_PER_SEQUENCE > memory:
        raise InputError(f"{path}: the names, labels and coordinates of its {onehot.shape[0]:,} sequences alone "
                         f"take about {onehot.shape[0] * _BYTES_PER_SEQUENCE / 2**30:,.1f} GiB, more than this "
                         f"machine's memory ({memory / 2**30:,.1f} GiB)")


_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")  # cgroup v2, v1


def memory_bytes() -> int:
    """The memory this process may use: the machine's, or less where a cgroup (a Slurm job, a container) caps it."""
    limits = [os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")]
    for path in _CGROUP_LIMITS:
        try:
            limits.append(int(Path(path).read_text()))
        except (OSError, ValueError):  # no such cgroup, or no cap ('max')
            pass
    return min(limits)


def read_dataset(path: Path | str, in_memory: bool | None = True) -> EncodedDataset:
    """Read a dataset written by `write_dataset`, its one-hot array into memory or (`in_memory` False) left in the
    file as a StoredOneHot; None: in memory where the array takes at most a quarter of memory_bytes(), room for the
    rest of training beside it. Raises InputError for files that are not a dataset."""
    try:
        with h5py.File(path, "r") as store:
            if in_memory is None:
                in_memory = "onehot" not in store or store["onehot"].nbytes <= memory_bytes() // 4
            _check_layout(path, store, in_memory)
            stored = store["onehot"]
            onehot = stored[()] if in_memory else StoredOneHot(
                path, stored.shape, stored.chunks[0] if stored.chunks else chunk_rows(stored.shape[1]))

            def strings(name):
                return [s.decode() for s in store[name][()]] if name in store else None

            def array(name):
                return store[name][()] if name in store else None

            return EncodedDataset(
                onehot=onehot,
                names=strings("names"),
                strands=strings("strands"),
                task_names=strings("task_names"),
                labels=array("labels"),
                chroms=strings("chroms"),
                starts=array("starts"),
                ends=array("ends"),
                kmers=array("kmers"),
                attrs={k: v.item() if isinstance(v, np.generic) else v for k, v in store.attrs.items()},
            )
    except OSError as error:
        raise InputError(f"{path}: cannot read as HDF5 ({error})") from None
