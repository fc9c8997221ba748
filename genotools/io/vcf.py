"""VCF and BCF input: opening a file as htslib reads it, reading its records with errors that name the file and
the record, and matching its contig names to a reference's."""

import gzip
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pysam

from genotools.errors import InputError
from genotools.io.compressed import is_gzip, is_plain_gzip, plain_gzip_error


def open_vcf(path: Path | str) -> pysam.VariantFile:
    """A pysam VariantFile for a VCF or BCF (plain or bgzipped; '-' is standard input)."""
    if str(path) != "-" and not Path(path).is_file():
        raise InputError(f"{path}: VCF file not found")
    if str(path) != "-" and is_plain_gzip(path):
        raise InputError(plain_gzip_error(path, "VCF"))
    try:
        return pysam.VariantFile(str(path))
    except (OSError, ValueError) as error:
        duplicate = _duplicated_sample(path)
        if duplicate:
            raise InputError(f"{path}: sample {duplicate} appears twice in the #CHROM line; rename one (bcftools "
                             "reheader --samples)") from None
        raise InputError(f"{path}: cannot read as VCF or BCF ({error})") from None


def _duplicated_sample(path: Path | str) -> str | None:
    """The first sample name that the #CHROM line of a text VCF (plain or bgzipped) gives twice: htslib refuses
    such a header without saying why."""
    try:
        with (gzip.open if is_gzip(path) else open)(path, "rt", errors="replace") as handle:
            for line in handle:
                if line.startswith("#CHROM"):
                    counts = Counter(line.rstrip("\n").split("\t")[9:])
                    return next((name for name, count in counts.items() if count > 1), None)
                if not line.startswith("##"):
                    return None
    except (OSError, EOFError):
        return None
    return None


# What to add for a contig, INFO, FORMAT or FILTER that a record uses and the header does not declare.
_DECLARE = {
    "CONTIG": ("contig", "add ##contig lines (bcftools reheader --fai, or bcftools annotate --header-lines)"),
    "INFO": ("INFO field", "add a ##INFO line for it (bcftools annotate --header-lines)"),
    "FORMAT": ("FORMAT field", "add a ##FORMAT line for it (bcftools annotate --header-lines)"),
    "FILTER": ("FILTER", "add a ##FILTER line for it (bcftools annotate --header-lines)"),
}


def read_records(variants: pysam.VariantFile, path: Path | str, *, declared: bool = True,
                 indexable: bool = False) -> Iterator[pysam.VariantRecord]:
    """The records of `variants` (opened from `path`), in order. A record htslib cannot parse is an InputError that
    names the file and the record's number.

    With `declared`, so is a record whose contig, INFO or FORMAT field or FILTER the header does not declare.
    htslib reads such a record by declaring the name on the fly in the reader's header, but marks it, and then
    refuses to write it elsewhere (bcf_translate ends the process); the output's header, written before the record
    is read, would lack the name anyway. With `indexable`, so is a record that an index (.tbi, .csi) cannot hold:
    one before its contig's first base or past the length its ##contig line gives, or out of order (a contig's
    records must come together, by position)."""
    header = variants.header
    known = len(header.records)  # htslib appends a line to the header for each name it declares on the fly
    lengths = {name: contig.length for name, contig in header.contigs.items()} if indexable else {}
    finished, last = set(), None  # contigs whose records are all read; (chrom, pos) of the previous record
    reader = iter(variants)
    for number in itertools.count(1):
        try:
            record = next(reader)
        except StopIteration:
            return
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: record {number}: cannot read it ({error}); check the file with bcftools "
                             "view") from None
        chrom, pos = record.chrom, record.pos
        where = f"{path}: record {number} ({chrom}:{pos})"
        if declared and len(header.records) != known:
            line = header.records[known]
            kind, fix = _DECLARE.get(line.type, (line.key, f"add a ##{line.key} line for it"))
            raise InputError(f"{where}: {kind} {line.get('ID')} is not declared in the header; {fix}")
        if indexable:
            if pos < 1:
                raise InputError(f"{where}: POS {pos} is before the first base of {chrom} (POS counts from 1), "
                                 "which an index cannot hold; correct or remove the record")
            if lengths.get(chrom) is not None and pos > lengths[chrom]:
                raise InputError(f"{where}: POS is past the end of {chrom} ({lengths[chrom]:,} bp in its ##contig "
                                 "line); correct the record, or the contig's length")
            if last and (chrom == last[0] and pos < last[1] or chrom != last[0] and chrom in finished):
                later = "" if chrom == last[0] else f", yet {chrom} came before {last[0]}"
                raise InputError(f"{where} comes after {last[0]}:{last[1]}{later}: the records are not sorted; "
                                 "sort them with bcftools sort")
            if last and chrom != last[0]:
                finished.add(last[0])
            last = chrom, pos
        yield record


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
