"""FASTA input: an indexed reference genome (plain or bgzipped) and files of ready-made sequences."""

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pysam

from genotools.errors import InputError
from genotools.io.compressed import is_gzip, is_plain_gzip, plain_gzip_error

_COMPLEMENT = bytes.maketrans(b"ACGTNacgtnRYKMBDHVrykmbdhvSWsw", b"TGCANtgcanYRMKVHDByrmkvhdbSWsw")


def reverse_complement(sequence: str) -> str:
    """Reverse complement of a DNA string, keeping case and IUPAC codes."""
    return sequence.encode("ascii").translate(_COMPLEMENT)[::-1].decode("ascii")


def clip_window(start: int, end: int, available: int) -> tuple[int, int, int, int]:
    """Split the window [start, end) over a sequence of `available` bases into
    (N padding before, first base inside, end inside, N padding after)."""
    length = end - start
    inner_start = min(max(start, 0), available)
    inner_end = max(min(end, available), inner_start)
    before = min(max(-start, 0), length)
    return before, inner_start, inner_end, length - before - (inner_end - inner_start)


class Reference:
    """A reference genome opened through its faidx index (built beside the FASTA when missing)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{path}: reference FASTA not found")
        if is_plain_gzip(self.path):
            raise InputError(plain_gzip_error(path, "reference FASTA"))
        try:
            _check_starts_as_fasta(self.path)
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: cannot open as an indexed FASTA ({error}); check it is FASTA and its "
                             "directory is writable so the .fai index can be built") from None
        self.lengths = dict(zip(self._fasta.references, self._fasta.lengths))
        if not is_gzip(self.path):
            _check_index(self.path)

    @property
    def fingerprint(self) -> str:
        """A short digest of the contig names and lengths: identifies the assembly, cheap for any genome size."""
        listing = "".join(f"{name}\t{length}\n" for name, length in self.lengths.items())
        return hashlib.sha256(listing.encode()).hexdigest()[:16]

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Upper-case sequence of [start, end) on `chrom`, padded with N where the window runs off the contig."""
        before, inner_start, inner_end, after = clip_window(start, end, self.lengths[chrom])
        inside = self._fasta.fetch(chrom, inner_start, inner_end) if inner_end > inner_start else ""
        return "N" * before + inside.upper() + "N" * after

    def fetch_many(self, chroms: list, starts: np.ndarray, ends: np.ndarray) -> list[str]:
        """`fetch` of each window (chroms[i], starts[i], ends[i])."""
        return [self.fetch(c, s, e) for c, s, e in zip(chroms, starts.tolist(), ends.tolist())]

    def bases(self, chrom: str, start: int, end: int) -> str:
        """The bases of [start, end) on `chrom` as the file holds them: soft-masking (lower case) kept."""
        return self._fasta.fetch(chrom, start, end)

    def close(self) -> None:
        self._fasta.close()

    def __enter__(self) -> "Reference":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_index(path):
    """Refuse a .fai whose contigs do not end where the (uncompressed) FASTA's records do: it describes another
    file (an older version, or another assembly), and reads through it would return other contigs' bases."""
    with open(f"{path}.fai") as index, open(path, "rb") as fasta:
        for line in index:
            name, length, offset, bases, width = line.split("\t")[:5]
            full_lines, rest = divmod(int(length), max(int(bases), 1))
            fasta.seek(int(offset) + full_lines * int(width) + rest)
            if fasta.read(1) not in (b"\n", b"\r", b">", b""):
                raise InputError(f"{path}.fai: does not describe {path} ({name} does not end where the index says); "
                                 f"delete it, or rebuild it with samtools faidx {path}")


def _check_starts_as_fasta(path):
    """Refuse an empty file, or one whose first character is not '>' (a binary file, or another format)."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as handle:
        first = handle.read(1)
    if not first:
        raise InputError(f"{path}: contains no sequences")
    if first != b">":
        raise InputError(f"{path}: not a FASTA file (the first character must be '>')")


def read_sequences(path: Path | str, unique_names: bool = False) -> list[tuple[str, str]]:
    """(name, sequence) for each record of a FASTA file, plain or gzipped. Raises InputError on bad input, and
    with `unique_names` on a name that repeats (what is keyed by name would be ambiguous)."""
    if not Path(path).is_file():
        raise InputError(f"{path}: FASTA file not found")
    try:
        _check_starts_as_fasta(path)
        with pysam.FastxFile(str(path)) as fasta:
            records = [(record.name, record.sequence) for record in fasta]
    except (OSError, UnicodeDecodeError, EOFError) as error:
        raise InputError(f"{path}: cannot read FASTA ({error})") from None
    if unique_names:
        first = {}
        for number, (name, _) in enumerate(records, start=1):
            if first.setdefault(name, number) != number:
                raise InputError(f"{path}: records {first[name]} and {number} are both named {name!r}; give each "
                                 "sequence its own name (the first word of its '>' line)")
    return records
