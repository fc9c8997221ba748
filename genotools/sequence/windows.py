"""The windows a sequence model is explained on, with each base's place on its contig: FASTA records, BED regions
on a reference, and the REF and ALT windows of VCF variants as genotools-score-variants scores them. Each
generator yields units: a list of the windows drawn together (one, or a variant's REF and ALT)."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.io.bed import read_regions
from genotools.io.fasta import Reference
from genotools.io.vcf import contig_names, open_vcf, read_records
from genotools.sequence.datasets import check_on_reference, read_dna
from genotools.sequence.encoding import centred_window, resize
from genotools.sequence.variants import SCORED, allele_outcomes, allele_positions, allele_window


@dataclass
class Window:
    """One sequence of the model's length to interpret."""

    name: str
    allele: str  # ref or alt for a variant, '.' otherwise
    chrom: str  # reference contig, or the FASTA record
    positions: np.ndarray  # 0-based position of each base on `chrom`, -1 off it or inserted
    sequence: str
    highlight: range = range(0)  # offsets drawn highlighted in the logo: a variant's allele


def fasta_windows(path: Path | str, length: int) -> Iterator[list[Window]]:
    """Each record is its own contig: positions count from its first base, as in a genome browser given the FASTA."""
    for name, sequence in read_dna(path):
        start, _ = centred_window(0, len(sequence), length)
        yield [Window(name, ".", name, _on_contig(start + np.arange(length), len(sequence)),
                      resize(sequence, length).upper())]


def region_windows(reference: Reference, path: Path | str, length: int) -> Iterator[list[Window]]:
    """A window of `length` bases centred on each region of the BED file `path`, from the Reference `reference`."""
    regions = read_regions(path)
    check_on_reference(path, regions, reference.lengths)
    starts, _ = centred_window(regions.starts, regions.ends, length)
    for chrom, start, name in zip(regions.chroms, starts.tolist(), regions.names):
        positions = start + np.arange(length)
        yield [Window(name, ".", chrom, _on_contig(positions, reference.lengths[chrom]),
                      reference.fetch(chrom, start, start + length))]


def variant_windows(reference: Reference, path: Path | str, length: int,
                    skipped: Counter[str]) -> Iterator[list[Window]]:
    """A REF and an ALT window per scorable ALT allele; counts the alleles left out by reason in `skipped`. The
    records are read as genotools-score-variants reads them: one it cannot read or whose names the header does not
    declare is an InputError."""
    with open_vcf(path) as variants:
        contigs = contig_names(variants.header.contigs, reference.lengths)
        for record in read_records(variants, path):
            outcomes, site = allele_outcomes(record, reference, contigs, "skip", length, path)
            for outcome, alt in zip(outcomes, record.alts or (None,)):
                if outcome != SCORED:
                    skipped[outcome] += 1
                    continue
                chrom, name = contigs[record.chrom], f"{record.chrom}:{record.pos}:{record.ref}>{alt}"
                yield [Window(name, allele_name, chrom,
                              _on_contig(allele_positions(record.start, len(record.ref), len(allele), length),
                                         reference.lengths[chrom]),
                              allele_window(site, allele, length),
                              range(length // 2, min(length // 2 + len(allele), length)))
                       for allele_name, allele in (("ref", record.ref), ("alt", alt))]


def _on_contig(positions: np.ndarray, contig_length: int) -> np.ndarray:
    """`positions` with those off a contig of `contig_length` bases set to -1."""
    return np.where((positions >= 0) & (positions < contig_length), positions, -1)
