"""Splice-impact scores of variants as SpliceAI 1.3.1 computes them (spliceai/utils.py, get_delta_scores), with
an imported splice model (genotools.sequence.published), many variants per forward pass.

For each ALT allele of a record and each gene whose span holds the record's position, in the gene table's order:
the reference window of the model's context plus 2 * distance + 1 bases centred on the variant, with the bases
outside the gene made N; the ALT window, the same with the allele in place of REF; both reverse-complemented for a
gene on the minus strand, and the predictions turned back. A deletion's missing positions are scored as zero, an
insertion's positions as their maximum, so that both predictions line up over the 2 * distance + 1 positions. The
delta scores are the largest gain and loss of acceptor and donor probability, ALT against REF, with their
positions relative to the variant; --mask zeroes gains at annotated splice sites (exon boundaries) and losses at
unannotated ones.

As SpliceAI does, a record gets no annotation when it lies in no gene, when its REF differs from the reference,
when its window runs off the contig (within context / 2 + distance bases of an end), or when REF is longer than
2 * distance; a symbolic, '*' or missing ALT is passed over; an allele whose REF and ALT both have several bases
gets '.' for its scores. Deliberate differences: REF is compared without regard to case (VCF bases are
case-insensitive), and an ALT other than bases (a breakend, say) is passed over as symbolic, where SpliceAI
encodes its characters as bases.
"""

import contextlib
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam
import torch
from torch import nn

from genotools.errors import InputError
from genotools.io.fasta import Reference, reverse_complement
from genotools.io.genes import Gene, GeneIndex
from genotools.sequence.encoding import one_hot_many
from genotools.sequence.variants import alt_outcome, chunks

INFO_ID = "SpliceAI"
INFO_LINE = ('##INFO=<ID=SpliceAI,Number=.,Type=String,Description="SpliceAIv1.3.1 variant annotation. These include '
             'delta scores (DS) and delta positions (DP) for acceptor gain (AG), acceptor loss (AL), donor gain (DG), '
             'and donor loss (DL). Format: ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL">')
SCORE_NAMES = ("DS_AG", "DS_AL", "DS_DG", "DS_DL")
POSITION_NAMES = ("DP_AG", "DP_AL", "DP_DG", "DP_DL")
DEFAULT_DISTANCE = 50
MAX_DISTANCE = 4999  # SpliceAI's -D takes 0 to 4999

# What became of each record (the first five: the record gets no annotation) and of each (allele, gene) pair.
NO_ALT = "no_alt"
OUTSIDE_GENES = "outside_genes"
REF_MISMATCH = "ref_mismatch"
NEAR_CONTIG_END = "near_contig_end"
REF_TOO_LONG = "ref_too_long"
SCORED = "scored"
NOT_SCORED = "not_scored"  # REF and ALT both longer than one base: '.' scores
SKIPPED_ALLELE = "skipped_allele"  # a symbolic, '*' or missing ALT: no entry
OUTCOMES = (SCORED, NOT_SCORED, SKIPPED_ALLELE, NO_ALT, OUTSIDE_GENES, REF_MISMATCH, NEAR_CONTIG_END, REF_TOO_LONG)

# SpliceAI's one-hot encoder reads a letter other than A, C, G, T and N as the base that its character code modulo 5
# gives (the IUPAC codes some references hold: R as C, Y as T, K as no base ...). Windows are read the same way.
_AS_SPLICEAI_READS = str.maketrans({letter: "NACGT"[ord(letter) % 5] for letter in string.ascii_uppercase
                                    if letter not in "ACGTN"})


@dataclass(frozen=True)
class Entry:
    """One annotation of a record: an ALT allele scored against one gene."""

    alt: str
    gene: str
    scores: tuple[float, float, float, float] | None  # DS_AG, DS_AL, DS_DG, DS_DL; None where SpliceAI writes '.'
    positions: tuple[int, int, int, int] | None  # DP_AG, DP_AL, DP_DG, DP_DL: bases from the variant

    def text(self) -> str:
        """The entry as SpliceAI writes it in its INFO field."""
        if self.scores is None:
            return f"{self.alt}|{self.gene}|.|.|.|.|.|.|.|."
        return "|".join([self.alt, self.gene, *(f"{score:.2f}" for score in self.scores), *map(str, self.positions)])


@dataclass
class _Pair:
    """An (allele, gene) pair to score: its windows' rows among those predicted, and what the scores need."""

    entry: int  # index in the record's entries
    ref_row: int
    alt_row: int
    ref_length: int
    alt_length: int
    exon_boundary: int | None  # the nearest exon boundary, in bases from the variant


def score_records(records: Iterable[pysam.VariantRecord], reference: Reference, genes: GeneIndex,
                   reference_contigs: dict[str, str], gene_contigs: dict[str, str], model: nn.Module, context: int,
                   device: torch.device, *, distance: int = DEFAULT_DISTANCE, mask: bool = False,
                   ref_mismatch: str = "skip", batch_size: int = 64, chunk: int = 1024,
                   vcf_path: Path | str = "VCF") -> Iterator[tuple[pysam.VariantRecord, list[Entry], list[str]]]:
    """For each record, in order: (record, its SpliceAI entries, what became of it: one outcome per record that gets
    no annotation, else one per (allele, gene) pair and per allele passed over).

    `reference_contigs` and `gene_contigs` map the VCF's contig names to the reference's and the gene table's;
    `context` is the model's (metadata["context"]); `ref_mismatch` "error" makes a REF that differs from the
    reference an InputError that names `vcf_path`, instead of a record left unannotated. Records are taken `chunk`
    at a time, so memory stays flat however long the VCF is; their windows are predicted `batch_size` at a time,
    each distinct window once.
    """
    model.eval()
    numbered = enumerate(records, start=1)
    for block in chunks(numbered, chunk):
        windows = {}
        plans = [_plan(record, number, reference, genes, reference_contigs, gene_contigs, context, distance,
                       ref_mismatch, vcf_path, windows) for number, record in block]
        predicted = predict_windows(list(windows), model, context, device, batch_size)
        for (_, record), (entries, pairs, outcomes) in zip(block, plans):
            for pair in pairs:
                scores, positions = delta_scores(predicted[pair.ref_row], predicted[pair.alt_row], pair.ref_length,
                                                 pair.alt_length, pair.exon_boundary, mask)
                entries[pair.entry] = Entry(entries[pair.entry].alt, entries[pair.entry].gene, scores, positions)
            yield record, entries, outcomes


def _plan(record, number, reference, genes, reference_contigs, gene_contigs, context, distance, ref_mismatch,
          vcf_path, windows):
    """(the record's entries, their scores left None, the _Pairs that score them, the record's outcomes), in
    SpliceAI's order of checks; adds the windows to predict to `windows` ({(strand, sequence): row})."""
    if not record.alts:
        return [], [], [NO_ALT]
    overlapping = genes.at(gene_contigs.get(record.chrom), record.pos)
    if not overlapping:
        return [], [], [OUTSIDE_GENES]
    where = f"{vcf_path}: record {number} ({record.chrom}:{record.pos})"
    chrom = reference_contigs.get(record.chrom)
    if chrom is None:
        raise InputError(f"{where}: contig {record.chrom} is not in the reference {reference.path}, though the "
                         "gene table has genes on it; give the reference genome the variants were called on")
    ref = record.ref.upper()
    found = reference.fetch(chrom, record.start, record.start + len(ref))
    if found != ref:
        if ref_mismatch == "error":
            raise InputError(f"{where}: REF {record.ref} differs from the reference ({found}); check the genome "
                             "build, or pass over such records with --ref-mismatch skip, as SpliceAI does")
        return [], [], [REF_MISMATCH]
    half = context // 2 + distance  # the window: `half` bases, the variant's first base, `half` bases
    start = record.start - half
    if start < 0 or record.start + half + 1 > reference.lengths[chrom]:
        return [], [], [NEAR_CONTIG_END]
    if len(ref) > 2 * distance:
        return [], [], [REF_TOO_LONG]
    sequence = reference.fetch(chrom, start, record.start + half + 1).translate(_AS_SPLICEAI_READS)
    entries, pairs, outcomes = [], [], []
    for alt in record.alts:
        if alt_outcome(alt):
            outcomes.append(SKIPPED_ALLELE)
            continue
        for gene in overlapping:
            entries.append(Entry(alt, gene.name, None, None))
            if len(ref) > 1 and len(alt) > 1:
                outcomes.append(NOT_SCORED)
                continue
            outcomes.append(SCORED)
            ref_window, alt_window = _windows(sequence, half, gene, record.pos, len(ref), alt.upper())
            ref_row, alt_row = (windows.setdefault(_as_read(window, gene.strand), len(windows))
                                for window in (ref_window, alt_window))
            pairs.append(_Pair(len(entries) - 1, ref_row, alt_row, len(ref), len(alt),
                               _nearest(gene.exon_boundaries - record.pos)))
    return entries, pairs, outcomes


def _windows(sequence: str, half: int, gene: Gene, pos: int, ref_length: int, alt: str) -> tuple[str, str]:
    """(REF window, ALT window) of a variant at 1-based `pos` whose window is `sequence`, the bases outside `gene`
    made N."""
    before = max(half + gene.start - pos, 0)
    after = max(half - (gene.end - pos), 0)
    ref_window = "N" * before + sequence[before:len(sequence) - after] + "N" * after
    return ref_window, ref_window[:half] + alt + ref_window[half + ref_length:]


def _as_read(window: str, strand: str) -> tuple[str, str]:
    """(strand, the window as the model reads it: reverse-complemented for a gene on the minus strand)."""
    return strand, reverse_complement(window) if strand == "-" else window


def _nearest(offsets: np.ndarray) -> int | None:
    """The offset nearest to zero (the lower one of a tie, as SpliceAI takes it), or None when there is none."""
    return int(offsets[np.abs(offsets).argmin()]) if len(offsets) else None


@torch.inference_mode()
def predict_windows(windows: list[tuple[str, str]], model: nn.Module, context: int, device: torch.device,
                    batch_size: int = 64) -> list[np.ndarray]:
    """The model's probabilities (length - context, classes) for each (strand, sequence) of `windows`, turned back
    to the genome's direction for the minus strand. Windows of like length are batched together, each batch padded
    with N on the right to its longest: a position's prediction reads only the context around it."""
    predicted = [None] * len(windows)
    by_length = sorted(range(len(windows)), key=lambda row: len(windows[row][1]))
    with _full_fp32():
        for batch in chunks(by_length, batch_size):
            length = max(len(windows[row][1]) for row in batch)
            onehot = one_hot_many([windows[row][1].ljust(length, "N") for row in batch], length)
            probabilities = model(torch.from_numpy(onehot).to(device).float()).float().cpu().numpy()
            for row, values in zip(batch, probabilities):
                values = values[:len(windows[row][1]) - context]
                predicted[row] = values[::-1] if windows[row][0] == "-" else values
    return predicted


@contextlib.contextmanager
def _full_fp32():
    """Convolutions in full single precision: on NVIDIA GPUs PyTorch runs them in TF32 by default, whose 10-bit
    mantissa moves the scores by about 1e-3, where SpliceAI's own run in float32."""
    allowed = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32 = allowed


def delta_scores(ref: np.ndarray, alt: np.ndarray, ref_length: int, alt_length: int, exon_boundary: int | None,
                 mask: bool) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """((DS_AG, DS_AL, DS_DG, DS_DL), (DP_AG, DP_AL, DP_DG, DP_DL)) from the probabilities (positions, neither/
    acceptor/donor) of the REF window and of the ALT window, as SpliceAI computes them."""
    centre = len(ref) // 2
    ref, alt = ref.astype(np.float64), alt.astype(np.float64)
    if ref_length > 1 and alt_length == 1:  # a deletion: its bases are gone, their probabilities zero
        alt = np.concatenate([alt[:centre + 1], np.zeros((ref_length - 1, alt.shape[1])), alt[centre + 1:]])
    elif ref_length == 1 and alt_length > 1:  # an insertion: its bases as one position, at their maximum
        alt = np.concatenate([alt[:centre], alt[centre:centre + alt_length].max(0, keepdims=True),
                              alt[centre + alt_length:]])
    gain, loss = alt - ref, ref - alt
    indices = (gain[:, 1].argmax(), loss[:, 1].argmax(), gain[:, 2].argmax(), loss[:, 2].argmax())
    values = (gain[indices[0], 1], loss[indices[1], 1], gain[indices[2], 2], loss[indices[3], 2])
    positions = tuple(int(index) - centre for index in indices)
    at_annotated = [position == exon_boundary for position in positions]
    # With --mask: gains at annotated splice sites and losses at unannotated ones count for nothing (multiplied by
    # 0, as SpliceAI does, so that a negative value is written -0.00 as SpliceAI writes it).
    masked = [mask and annotated == gained for annotated, gained in zip(at_annotated, (True, False, True, False))]
    return tuple(float(value) * (1 - drop) for value, drop in zip(values, masked)), positions
