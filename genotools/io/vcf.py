"""VCF and BCF input: opening a file as htslib reads it, and matching its contig names to a reference's."""

from collections.abc import Iterable
from pathlib import Path

import pysam

from genotools.errors import InputError
from genotools.io.compressed import is_plain_gzip, plain_gzip_error


def open_vcf(path: Path | str) -> pysam.VariantFile:
    """A pysam VariantFile for a VCF or BCF (plain or bgzipped; '-' is standard input)."""
    if str(path) != "-" and Path(path).is_file() and is_plain_gzip(path):
        raise InputError(plain_gzip_error(path, "VCF"))
    try:
        return pysam.VariantFile(str(path))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read as VCF or BCF ({error})") from None


def contig_names(vcf_contigs: Iterable[str], reference_contigs: Iterable[str]) -> dict[str, str]:
    """{VCF contig: reference contig} for contigs found as they are, with or without 'chr', or as chrM/MT."""
    reference_contigs = set(reference_contigs)
    mapping = {}
    for name in vcf_contigs:
        bare = name[3:] if name.lower().startswith("chr") else name
        candidates = [name, bare, "chr" + bare]
        if bare.upper() in ("M", "MT"):
            candidates += ["chrM", "MT", "chrMT", "M"]
        found = next((c for c in candidates if c in reference_contigs), None)
        if found:
            mapping[name] = found
    return mapping
