"""Telling gzip from BGZF: htslib reads BGZF (bgzip's gzip) with random access, plain gzip only as a stream."""

from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path | str) -> bool:
    """True for gzip (including BGZF) files."""
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def is_plain_gzip(path: Path | str) -> bool:
    """True for gzip files that are not BGZF (BGZF carries the 'BC' extra field that indexes need)."""
    with open(path, "rb") as handle:
        header = handle.read(14)
    return header[:2] == GZIP_MAGIC and not (header[3] & 4 and header[12:14] == b"BC")


def plain_gzip_error(path: Path | str, kind: str) -> str:
    """The error message for a plain-gzip file where htslib needs BGZF, with the commands that fix it."""
    plain = str(path).removesuffix(".gz")
    return (f"{path}: {kind} compressed with plain gzip, which htslib cannot index or seek; recompress it with "
            f"bgzip: gunzip {path} && bgzip {plain}")
