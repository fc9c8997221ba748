"""Sequence encodings: one-hot, k-mer counts, reverse complement, windows around region centres.

One-hot uses the alphabet A, C, G, T in that order, stored as uint8. Lower-case (soft-masked) bases encode like
upper-case ones. N and every other IUPAC ambiguity code encode as all zeros: the model sees "no base" rather
than a guess, and the encoding stays exact in uint8. Reversing both the position and the channel axes of a
one-hot array gives its reverse complement, because the complement of A, C, G, T is T, G, C, A.
"""

from typing import TYPE_CHECKING, TypeVar

import numpy as np

from genotools.io.fasta import clip_window

if TYPE_CHECKING:
    import torch  # only for hints: encoding must not pay for importing PyTorch

ALPHABET = "ACGT"
UNKNOWN_BASE_ENCODING = "zeros"

if not np.little_endian:
    raise ImportError("genotools.sequence.encoding builds its lookup tables for little-endian machines")

# Each base maps to its four one-hot bytes read as one little-endian uint32, so a table lookup writes a whole
# row at once. Looking up pairs of bases (uint16 -> uint64) halves the number of lookups again.
_BASE_ROWS = np.zeros(256, dtype=np.uint32)
for _i, _base in enumerate(ALPHABET):
    _row = np.zeros(4, dtype=np.uint8)
    _row[_i] = 1
    _BASE_ROWS[ord(_base)] = _BASE_ROWS[ord(_base.lower())] = _row.view(np.uint32)[0]
_codes = np.arange(65536)
_PAIR_ROWS = _BASE_ROWS[_codes & 0xFF].astype(np.uint64) | (_BASE_ROWS[_codes >> 8].astype(np.uint64) << np.uint64(32))
del _i, _base, _row, _codes

# Lookups run over blocks that stay in cache: much faster than one pass over a long sequence.
_BLOCK_PAIRS = 1 << 16

_Coordinate = TypeVar("_Coordinate", int, np.ndarray)  # one position, or an array of them


def one_hot(sequence: str | bytes, out: np.ndarray | None = None) -> np.ndarray:
    """One-hot encode `sequence` (str or bytes) into a (length, 4) uint8 array, written to `out` when given."""
    data = sequence.encode("ascii") if isinstance(sequence, str) else bytes(sequence)
    n = len(data)
    if out is None:
        out = np.empty((n, 4), dtype=np.uint8)
    elif out.shape != (n, 4) or out.dtype != np.uint8 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous uint8 array of shape ({n}, 4)")
    codes = np.frombuffer(data, dtype=np.uint8)
    pairs = codes[: n - n % 2].view(np.uint16)
    rows = out.reshape(-1).view(np.uint32)
    pair_rows = rows[: n - n % 2].view(np.uint64)
    for start in range(0, len(pairs), _BLOCK_PAIRS):
        # Every uint16 indexes the 65536-row table, so mode="clip" never clips; it skips numpy's slow bounds check.
        np.take(_PAIR_ROWS, pairs[start : start + _BLOCK_PAIRS], out=pair_rows[start : start + _BLOCK_PAIRS],
                mode="clip")
    if n % 2:
        rows[-1] = _BASE_ROWS[codes[-1]]
    return out


def one_hot_many(sequences: list[str], length: int) -> np.ndarray:
    """One-hot encode sequences of `length` bases each into one (len(sequences), length, 4) uint8 array."""
    if any(len(sequence) != length for sequence in sequences):
        raise ValueError(f"every sequence must have {length} bases")
    # One lookup pass over all the sequences at once: far fewer numpy calls than one per sequence.
    return one_hot("".join(sequences)).reshape(len(sequences), length, 4)


def reverse_complement_one_hot(onehot: "np.ndarray | torch.Tensor") -> "np.ndarray | torch.Tensor":
    """Reverse complement of one-hot arrays shaped (..., length, 4) (numpy or torch)."""
    if isinstance(onehot, np.ndarray):
        return onehot[..., ::-1, ::-1]
    return onehot.flip((-2, -1))


def kmer_counts(sequence: str, k: int) -> np.ndarray:
    """Counts of every k-mer (4**k, in lexicographic order of ALPHABET) in `sequence`; k-mers with N are skipped."""
    codes = np.full(256, -1, dtype=np.int64)
    for i, base in enumerate(ALPHABET):
        codes[ord(base)] = codes[ord(base.lower())] = i
    digits = codes[np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)]
    if len(digits) < k:
        return np.zeros(4**k, dtype=np.uint32)
    windows = np.lib.stride_tricks.sliding_window_view(digits, k)
    valid = (windows >= 0).all(axis=1)
    index = windows[valid] @ (4 ** np.arange(k - 1, -1, -1))
    return np.bincount(index, minlength=4**k).astype(np.uint32)


def centred_window(start: _Coordinate, end: _Coordinate, length: int) -> tuple[_Coordinate, _Coordinate]:
    """The window of `length` bases centred on the interval [start, end) (0-based, half-open)."""
    window_start = (start + end - length) // 2
    return window_start, window_start + length


def resize(sequence: str, length: int) -> str:
    """`sequence` cut or padded with N on both sides to `length` bases around its centre."""
    before, start, end, after = clip_window(*centred_window(0, len(sequence), length), len(sequence))
    return "N" * before + sequence[start:end] + "N" * after
