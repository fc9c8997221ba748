"""Genotypes of many samples from a VCF/BCF (plain, bgzipped or BCF; no index needed), streamed over the records
into int8 blocks.

A genotype is stored as its ALT-allele dosage times DOSAGE_SCALE, -1 where missing: a hard call (GT) 0/1/2
becomes 0/50/100 exactly, and a dosage (DS, 0..2) is kept to the nearest 0.02, well within the precision of
imputed dosages, in a quarter of the memory of float32. Records with more than one ALT allele are skipped
and counted (split them first with `bcftools norm -m -`); so are records without an ALT allele.
"""

import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.vcf import open_vcf, read_records

DOSAGE_SCALE = 50
MISSING = -1
FIELDS = ("GT", "DS")


@dataclass
class Variants:
    ids: list
    chroms: list
    positions: list
    refs: list
    alts: list

    def __len__(self):
        return len(self.ids)

    def keys(self, swapped: bool = False) -> list[str]:
        """The variant_key of each variant; with `swapped`, of the variant written with REF and ALT exchanged."""
        refs, alts = (self.alts, self.refs) if swapped else (self.refs, self.alts)
        return [variant_key(*fields) for fields in zip(self.chroms, self.positions, refs, alts)]

    def subset(self, indices: Iterable[int]) -> "Variants":
        return Variants(*([values[i] for i in indices] for values in
                          (self.ids, self.chroms, self.positions, self.refs, self.alts)))


@dataclass
class GenotypeBlocks:
    """Genotypes of the chosen samples: `blocks` are int8 arrays of variants x samples, in file order."""
    variants: Variants
    blocks: list
    skipped: dict = field(default_factory=dict)  # {reason: [variant ids]}


def variant_key(chrom: str, position: int, ref: str, alt: str) -> str:
    return f"{chrom}:{position}:{ref}:{alt}"


def vcf_samples(path: Path | str) -> list[str]:
    with open_vcf(path) as vcf:
        return list(vcf.header.samples)


@functools.lru_cache(maxsize=None)
def _gt_dosage(text):
    """The stored value of a GT call of a biallelic record: the count of ALT alleles, MISSING if any allele is
    missing; None for a call that names an allele the record lacks (0/2)."""
    alleles = text.replace("|", "/").split("/")
    if "." in alleles:
        return MISSING
    if not set(alleles) <= {"0", "1"}:
        return None
    value = sum(a != "0" for a in alleles) * DOSAGE_SCALE
    return 2 * value if len(alleles) == 1 else value  # a haploid call (chrX in males) counts as a homozygote


def _ds_dosage(text, path, record):
    if text in (".", ""):
        return MISSING
    try:
        dosage = float(text)
    except ValueError:
        raise InputError(f"{path}: record {record}: DS value {text!r} is not a number") from None
    if not 0 <= dosage <= 2:
        raise InputError(f"{path}: record {record}: DS value {text!r} is outside 0..2")
    return round(dosage * DOSAGE_SCALE)


def read_genotypes(path: Path | str, samples: Sequence[str], genotype_field: str = "GT", block_size: int = 8192,
                   keys: Collection[str] | None = None,
                   on_record: Callable[[int], object] | None = None) -> GenotypeBlocks:
    """The genotypes of `samples` (names in the VCF, in the order wanted) at every biallelic record, or only at
    the records whose variant_key is in `keys`. `on_record` is called with each record's position in the file.
    A file whose records are all multiallelic stops with the advice to split them."""
    with open_vcf(path) as vcf:
        header_samples = list(vcf.header.samples)
        column = {name: i for i, name in enumerate(header_samples)}
        columns = np.array([column[name] for name in samples], dtype=np.int64)
        variants, blocks, skipped, biallelic = Variants([], [], [], [], []), [], {}, 0
        block, filled = np.empty((block_size, len(samples)), dtype=np.int8), 0
        for number, record in enumerate(read_records(vcf, path, declared=False), start=1):
            if on_record:
                on_record(number)
            alts = record.alts or ()
            key = variant_key(record.chrom, record.pos, record.ref, alts[0] if alts else ".")
            name = record.id or key
            if len(alts) != 1:
                skipped.setdefault("multiallelic" if alts else "no ALT allele", []).append(name)
                continue
            biallelic += 1
            if keys is not None and key not in keys:
                continue
            block[filled] = _dosages(record, genotype_field, columns, samples, path, number)
            filled += 1
            for values, value in zip((variants.ids, variants.chroms, variants.positions, variants.refs,
                                      variants.alts), (name, record.chrom, record.pos, record.ref, alts[0])):
                values.append(value)
            if filled == block_size:
                blocks.append(block)
                block, filled = np.empty((block_size, len(samples)), dtype=np.int8), 0
        if filled:
            blocks.append(block[:filled].copy())
    if not biallelic and "multiallelic" in skipped:
        raise InputError(f"{path}: all {len(skipped['multiallelic'])} records with an ALT allele are multiallelic, "
                         "and multiallelic records are skipped; split them first: bcftools norm -m - "
                         f"{path} -Oz -o split.vcf.gz")
    return GenotypeBlocks(variants, blocks, skipped)


def _dosages(record, genotype_field, columns, samples, path, number):
    """The stored values of one record's `samples`, at `columns` (their positions among the VCF's samples)."""
    # htslib formats the record as text in one call; pysam's per-sample objects cost microseconds per genotype,
    # minutes over a cohort of thousands of samples x hundreds of thousands of variants.
    fields = str(record).rstrip("\n").split("\t")
    keys = fields[8].split(":") if len(fields) > 8 else []
    if genotype_field not in keys:
        raise InputError(f"{path}: record {number} ({record.chrom}:{record.pos}) has no {genotype_field} field "
                         f"(FORMAT is {fields[8] if len(fields) > 8 else 'missing'}); choose --genotype-field "
                         f"{' or '.join(f for f in FIELDS if f in keys) or 'GT or DS'}")
    at = keys.index(genotype_field)
    calls = fields[9:]
    texts = [calls[i] for i in columns]
    if len(keys) > 1:  # a sample may drop trailing fields
        texts = [parts[at] if at < len(parts) else "." for parts in (text.split(":") for text in texts)]
    if genotype_field == "GT":
        values = [_gt_dosage(text) for text in texts]
        if None in values:
            bad = values.index(None)
            raise InputError(f"{path}: record {number} ({record.chrom}:{record.pos}): GT {texts[bad]!r} of sample "
                             f"{samples[bad]} names an allele that the record, with one ALT allele, lacks; correct "
                             "the record")
        return values
    return [_ds_dosage(text, path, number) for text in texts]


def aligned_matrix(cohort: GenotypeBlocks, variants: Variants, n_samples: int) -> tuple[np.ndarray, int, int]:
    """(samples x variants int8 matrix with the ALT dosages of `variants` (a Variants) in that order, MISSING
    where the cohort lacks the variant; how many of `variants` were found; how many of those with REF and ALT
    swapped). A cohort record with REF and ALT the other way round counts the variant's ALT allele: 2 - dosage."""
    column = {key: i for i, key in enumerate(variants.keys())}
    swapped = {key: i for i, key in enumerate(variants.keys(swapped=True))}
    matrix = np.full((n_samples, len(variants)), MISSING, dtype=np.int8)
    found = cohort.variants.keys()
    flip = np.array([key not in column for key in found], dtype=bool)
    columns = np.array([column[key] if key in column else swapped[key] for key in found], dtype=np.int64)
    start = 0
    for block in cohort.blocks:
        at = slice(start, start + len(block))
        matrix[:, columns[at]] = np.where(flip[at, None] & (block != MISSING), 2 * DOSAGE_SCALE - block, block).T
        start += len(block)
    return matrix, len(set(columns.tolist())), int(flip.sum())
