"""Encoded datasets in HDF5: one-hot sequences (uint8), labels, names, coordinates, task names and provenance."""

import os
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from genotools import __version__
from genotools.errors import InputError

_STRINGS = h5py.string_dtype()


@dataclass
class EncodedDataset:
    onehot: np.ndarray  # (sequences, length, 4) uint8
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


def write_dataset(path: Path | str, data: EncodedDataset) -> None:
    """Write `data` to `path` (a fresh HDF5 file)."""
    # No chunk cache: each chunk is written as it is made, so a full disk fails that write; with a cache, the
    # failure comes when HDF5 flushes it on closing, and h5py 3.16 then crashes (segmentation fault).
    with h5py.File(path, "w", rdcc_nbytes=0) as out:
        rows = max(1, min(len(data.onehot), (1 << 20) // max(1, data.seq_len * 4)))
        # gzip level 1: as fast as LZF here, files half the size, and readable by every HDF5 library.
        out.create_dataset("onehot", data=data.onehot, chunks=(rows, data.seq_len, 4), compression="gzip",
                           compression_opts=1)
        out.create_dataset("names", data=data.names, dtype=_STRINGS)
        out.create_dataset("strands", data=data.strands, dtype=_STRINGS)
        out.create_dataset("task_names", data=data.task_names, dtype=_STRINGS)
        if data.labels is not None:
            out.create_dataset("labels", data=data.labels)
        if data.chroms is not None:
            out.create_dataset("chroms", data=data.chroms, dtype=_STRINGS)
            out.create_dataset("starts", data=data.starts)
            out.create_dataset("ends", data=data.ends)
        if data.kmers is not None:
            out.create_dataset("kmers", data=data.kmers, compression="gzip", compression_opts=1)
        out.attrs.update(seq_len=data.seq_len, genotools_version=__version__, **data.attrs)


_PER_SEQUENCE = ("names", "strands", "labels", "chroms", "starts", "ends", "kmers")


def _check_layout(path, store):
    """Refuse a store that is not a dataset, or whose arrays disagree or would not fit in memory, from their
    shapes alone (before reading anything)."""
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
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    if onehot.nbytes > memory:
        raise InputError(f"{path}: its {onehot.shape[0]:,} sequences of {onehot.shape[1]:,} bp take "
                         f"{onehot.nbytes / 2**30:,.1f} GiB, more than this machine's memory "
                         f"({memory / 2**30:,.1f} GiB)")


def read_dataset(path: Path | str) -> EncodedDataset:
    """Read a dataset written by `write_dataset`; raises InputError for files that are not one."""
    try:
        with h5py.File(path, "r") as store:
            _check_layout(path, store)

            def strings(name):
                return [s.decode() for s in store[name][()]] if name in store else None

            def array(name):
                return store[name][()] if name in store else None

            return EncodedDataset(
                onehot=store["onehot"][()],
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
