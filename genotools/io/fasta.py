"""FASTA input: an indexed reference genome (plain or bgzipped) and files of ready-made sequences."""

import gzip
import hashlib
from pathlib import Path

import pysam

from genotools.errors import InputError

_GZIP_MAGIC = b"\x1f\x8b"


def _is_plain_gzip(path):
    """True for gzip files that are not BGZF (BGZF carries the 'BC' extra field that faidx needs)."""
    with open(path, "rb") as handle:
        header = handle.read(14)
    return header[:2] == _GZIP_MAGIC and not (header[3] & 4 and header[12:14] == b"BC")


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
        if _is_plain_gzip(self.path):
            raise InputError(
                f"{path}: gzip-compressed reference cannot be indexed; recompress it with bgzip "
                "(zcat ref.fa.gz | bgzip > ref.fa.bgz) or decompress it"
            )
        try:
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: cannot open as an indexed FASTA ({error}); check it is FASTA and its "
                             "directory is writable so the .fai index can be built") from None
        self.lengths = dict(zip(self._fasta.references, self._fasta.lengths))

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

    def bases(self, chrom: str, start: int, end: int) -> str:
        """The bases of [start, end) on `chrom` as the file holds them: soft-masking (lower case) kept."""
        return self._fasta.fetch(chrom, start, end)

    def close(self) -> None:
        self._fasta.close()

    def __enter__(self) -> "Reference":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_sequences(path: Path | str) -> list[tuple[str, str]]:
    """(name, sequence) for each record of a FASTA file, plain or gzipped. Raises InputError on bad input."""
    if not Path(path).is_file():
        raise InputError(f"{path}: FASTA file not found")
    opener = gzip.open if is_gzip(path) else open
    try:
        with opener(path, "rt") as handle:
            first = handle.read(1)
        if not first:
            raise InputError(f"{path}: contains no sequences")
        if first != ">":
            raise InputError(f"{path}: not a FASTA file (the first character must be '>')")
        with pysam.FastxFile(str(path)) as fasta:
            return [(record.name, record.sequence) for record in fasta]
    except (OSError, UnicodeDecodeError, EOFError) as error:
        raise InputError(f"{path}: cannot read FASTA ({error})") from None


def is_gzip(path: Path | str) -> bool:
    """True for gzip (including BGZF) files."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC
