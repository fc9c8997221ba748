"""Alleles, windows and reference checks for scoring variants with a sequence model.

Each allele is scored on a window of the model's input length that starts `length // 2` bases before the
variant: the left flank, the allele, then as much right flank as fills the window. For the reference allele
this is exactly the genome window centred on the variant; for an insertion or deletion the window is
re-centred the same way, so REF and ALT sequences always have the model's length and line up on the left.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pysam

from genotools.errors import InputError
from genotools.io.fasta import Reference
from genotools.sequence.encoding import one_hot_many

if TYPE_CHECKING:  # only for hints: genotools-qc reads VCFs with this module without loading PyTorch
    import torch
    from torch import nn

# Outcome of each ALT allele, written to the INFO status field and the TSV.
SCORED = "scored"
SCORED_REF_MISMATCH = "scored_ref_mismatch"
REF_MISMATCH = "ref_mismatch"
UNKNOWN_CONTIG = "unknown_contig"
SYMBOLIC = "symbolic"
SPANNING_DELETION = "spanning_deletion"
MISSING_ALT = "missing_alt"
OUTCOMES = [SCORED, SCORED_REF_MISMATCH, REF_MISMATCH, UNKNOWN_CONTIG, SYMBOLIC, SPANNING_DELETION, MISSING_ALT]

_BASES = re.compile("^[ACGTNacgtn]+$")


def alt_outcome(alt: str | None) -> str | None:
    """Why an ALT allele cannot be scored, or None when it is a sequence (SNV, MNV, insertion, deletion)."""
    if alt is None or alt == ".":
        return MISSING_ALT
    if alt == "*":
        return SPANNING_DELETION
    if not _BASES.match(alt):
        return SYMBOLIC  # <DEL>, <INS>, breakends such as N[chr2:123[
    return None


def flanks(reference: Reference, chrom: str, start: int, ref_length: int, length: int) -> tuple[str, str, str]:
    """(left flank, the reference's bases under REF, right flank) of a variant at 0-based `start`, from one fetch.

    The right flank is as long as any allele's window can need (an allele has at least one base)."""
    half = length // 2
    sequence = reference.fetch(chrom, start - half, start + ref_length + length - half - 1)
    return sequence[:half], sequence[half : half + ref_length], sequence[half + ref_length :]


def allele_window(site: tuple[str, str, str], allele: str, length: int) -> str:
    """The model's input for `allele` between the flanks of its `site` (from `flanks`)."""
    left, _, right = site
    return (left + allele.upper() + right)[:length]


SCORES = ("ref", "alt", "diff", "absdiff", "logfc")
_EPSILON = 1e-6


def allele_scores(ref: np.ndarray, alt: np.ndarray, task_types: list[str], scores: Sequence[str]) -> np.ndarray:
    """(..., tasks, scores) array from ref and alt predictions (..., tasks). logfc is the log-odds difference for binary
    tasks and log2(alt / ref) for regression tasks with positive predictions (NaN otherwise)."""
    columns = []
    for score in scores:
        if score == "ref":
            columns.append(ref)
        elif score == "alt":
            columns.append(alt)
        elif score == "diff":
            columns.append(alt - ref)
        elif score == "absdiff":
            columns.append(np.abs(alt - ref))
        else:
            p, q = np.clip(ref, _EPSILON, 1 - _EPSILON), np.clip(alt, _EPSILON, 1 - _EPSILON)
            log_odds = np.log(q / (1 - q)) - np.log(p / (1 - p))
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where((ref > 0) & (alt > 0), np.log2(alt / ref), np.nan)
            columns.append(np.where(np.array(task_types) == "binary", log_odds, ratio))
    return np.stack(columns, axis=-1).astype(np.float32)


def score_records(records: Iterable[pysam.VariantRecord], reference: Reference, contigs: dict[str, str],
                  model: "nn.Module", metadata: dict, device: "torch.device", *, scores: Sequence[str] = SCORES,
                  ref_mismatch: str = "skip", batch_size: int = 256, precision: str = "fp32",
                  reverse_complement: bool = True, chunk: int = 2048, vcf_path: Path | str = "VCF",
                  ) -> Iterator[tuple[pysam.VariantRecord, list[tuple[str, np.ndarray | None]]]]:
    """For each VCF record, in order: (record, [(outcome, scores array or None) per ALT]).

    Records are taken `chunk` at a time, so memory stays flat however long the VCF is; within a chunk every
    distinct window (the reference window shared by the ALTs of a site, say) is predicted once. `vcf_path`, the
    file the records come from, is named in errors.
    """
    length = metadata["seq_len"]
    for block in chunks(records, chunk):
        windows = {}
        plans = [_plan(record, reference, contigs, ref_mismatch, length, windows, vcf_path) for record in block]
        predicted = _predict_windows(list(windows), model, metadata, device, batch_size, precision, reverse_complement)
        pairs = np.array([rows for plan in plans for _, rows in plan if rows is not None], dtype=int).reshape(-1, 2)
        values = iter(allele_scores(predicted[pairs[:, 0]], predicted[pairs[:, 1]], metadata["task_types"], scores))
        for record, plan in zip(block, plans):
            yield record, [(outcome, None if rows is None else next(values)) for outcome, rows in plan]


def allele_outcomes(record: pysam.VariantRecord, reference: Reference, contigs: dict[str, str], ref_mismatch: str,
                    length: int, vcf_path: Path | str = "VCF") -> tuple[list[str], tuple[str, str, str] | None]:
    """(outcome of each ALT allele of `record`, the site's `flanks`, or None when no allele can be scored);
    `vcf_path`, the file of `record`, is named when a REF mismatch is an error."""
    chrom = contigs.get(record.chrom)
    alts = record.alts or (None,)
    if chrom is None:
        return [UNKNOWN_CONTIG] * len(alts), None
    outcomes = [alt_outcome(alt) for alt in alts]
    if all(outcomes):
        return outcomes, None
    site = flanks(reference, chrom, record.start, len(record.ref), length)
    scored = SCORED
    if site[1] != record.ref.upper():
        if ref_mismatch == "error":
            raise InputError(f"{vcf_path}: {record.chrom}:{record.pos}: REF {record.ref} differs from the reference "
                             f"({site[1]}); check the genome build, or use --ref-mismatch skip or score")
        if ref_mismatch == "skip":
            return [outcome or REF_MISMATCH for outcome in outcomes], None
        scored = SCORED_REF_MISMATCH
    return [outcome or scored for outcome in outcomes], site


def allele_positions(start: int, ref_length: int, allele_length: int, length: int) -> np.ndarray:
    """0-based genome position of each base of `allele_window`'s window (-1 for inserted bases)."""
    offsets = np.arange(length) - length // 2
    inside = (offsets >= 0) & (offsets < allele_length)
    positions = np.where(offsets < 0, start + offsets, start + ref_length + offsets - allele_length)
    return np.where(inside, np.where(offsets < ref_length, start + offsets, -1), positions)


def _plan(record, reference, contigs, ref_mismatch, length, windows, vcf_path):
    """(outcome, (ref row, alt row) in `windows`, or None) for each ALT allele; adds their windows to `windows`."""
    outcomes, site = allele_outcomes(record, reference, contigs, ref_mismatch, length, vcf_path)
    if site is None:
        return [(outcome, None) for outcome in outcomes]
    ref_row = windows.setdefault(allele_window(site, record.ref, length), len(windows))
    return [(outcome, (ref_row, windows.setdefault(allele_window(site, alt, length), len(windows))))
            if outcome in (SCORED, SCORED_REF_MISMATCH) else (outcome, None)
            for outcome, alt in zip(outcomes, record.alts)]


def _predict_windows(sequences, model, metadata, device, batch_size, precision, reverse_complement):
    if not sequences:
        return np.zeros((0, len(metadata["task_names"])), dtype=np.float32)
    # Imported here: PyTorch takes seconds to load, and genotools-qc reads VCFs with this module without it.
    from genotools.sequence.inference import predict

    onehot = one_hot_many(sequences, metadata["seq_len"])
    return predict(model, metadata, onehot, device, batch_size, precision, reverse_complement)


def chunks(iterable: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items (the last may be shorter) from `iterable`, read as they are needed."""
    block = []
    for item in iterable:
        block.append(item)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block
