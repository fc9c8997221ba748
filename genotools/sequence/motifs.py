"""A trained model's first-layer convolution filters as motifs, motif files, and a Tomtom-like comparison.

- filter_motifs: as Basset and DeepBind do, each filter's position frequency matrix (PFM) is built from the
  subsequences of the input sequences where the filter's activation exceeds half its maximum over them all.
- filter_influence: as Basset measures it, how much an output changes when a filter's activations are replaced by
  their mean (the filter's information removed, its average contribution kept).
- read_motifs / write_meme: the MEME minimal format (the format JASPAR distributes, e.g.
  JASPAR2024_CORE_non-redundant_pfms_meme.txt) and JASPAR's own count format (.jaspar).
- compare: the best Pearson correlation of a motif's aligned columns with each database motif's, over all offsets
  and both strands. A similarity score to rank matches by, not Tomtom's p-value or E-value.

PFMs are (width, 4) arrays of probabilities of A, C, G, T at each position.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn

from genotools.errors import InputError
from genotools.sequence.encoding import ALPHABET, reverse_complement_one_hot

THRESHOLD = 0.5  # a site: where a filter's activation exceeds this fraction of its maximum
INFLUENCE_SEQUENCES = 2000  # filter influence is measured on the first this many sequences: a pass each filter
PSEUDOCOUNT = 0.1  # added to each base count of a filter's PFM
MIN_SITES = 10  # filters with fewer sites are left out
MIN_OVERLAP = 5  # columns two aligned motifs share at least (or the narrower one's width)


@dataclass
class Motif:
    id: str
    name: str  # "" when it has none
    pfm: np.ndarray  # (width, 4) probabilities of A, C, G, T
    sites: int  # the sites it was built from (MEME's nsites)

    @property
    def information_content(self) -> float:
        """Bits against a uniform background, summed over the positions."""
        return float(letter_heights(self.pfm).sum())


@dataclass(frozen=True)
class Match:
    """A database motif's best alignment to a query: its column 0 meets query column `offset` (negative where the
    database motif starts first) of the query's `strand` (- : its reverse complement)."""

    motif: Motif
    correlation: float
    offset: int
    strand: str
    overlap: int  # columns the two share


def letter_heights(pfm: np.ndarray) -> np.ndarray:
    """(width, 4): each position's bits against a uniform background, shared among the bases by their
    probabilities, as a sequence logo draws them."""
    bits = 2 + (pfm * np.log2(np.where(pfm > 0, pfm, 1))).sum(axis=1)
    return pfm * bits[:, None]


def first_convolution(model: nn.Module) -> nn.Conv1d:
    """The first nn.Conv1d of `model` that reads the 4 channels of one-hot sequences."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv1d) and m.in_channels == 4), None)
    if conv is None:
        raise InputError("the model has no convolution over the 4 bases whose filters could be motifs")
    return conv


@torch.no_grad()
def filter_motifs(model: nn.Module, onehot: np.ndarray, device: torch.device, *, batch_size: int = 256,
                  threshold: float = THRESHOLD, pseudocount: float = PSEUDOCOUNT,
                  min_sites: int = MIN_SITES) -> list[Motif]:
    """The motif of each filter of the model's first convolution (filter i: id filter_id(i)), from uint8 one-hot
    sequences (N, length, 4). A site is a subsequence of the filter's width, of bases only (no N, not off the
    sequence), where the filter's activation (the convolution's output) exceeds `threshold` times its maximum over
    all such subsequences; the PFM is the sites' base counts plus `pseudocount`, normalised at each position.
    Filters with fewer than `min_sites` sites are left out."""
    model.eval()
    conv = first_convolution(model)

    def batches():
        for start in range(0, len(onehot), batch_size):
            yield _activations(model, conv, torch.as_tensor(onehot[start : start + batch_size]).to(device).float())

    maximum = torch.full((conv.out_channels,), -torch.inf, device=device)
    for activations, _, valid in batches():
        maximum = torch.maximum(maximum, activations.masked_fill(~valid[:, None], -torch.inf).amax(dim=(0, 2)))
    # Counted on the CPU, as MPS has no float64; a batch's float32 counts are exact.
    counts = torch.zeros(conv.out_channels, conv.kernel_size[0], 4, dtype=torch.float64)
    sites = torch.zeros(conv.out_channels, dtype=torch.int64)
    for activations, windows, valid in batches():
        hits = (activations > threshold * maximum[:, None]) & valid[:, None]
        counts += torch.einsum("nfp,ncpk->fkc", hits.float(), windows).cpu().double()
        sites += hits.sum(dim=(0, 2)).cpu()
    counts, sites = counts.numpy(), sites.numpy()
    pfms = (counts + pseudocount) / (sites[:, None, None] + 4 * pseudocount)
    return [Motif(filter_id(i), "", pfms[i], int(n)) for i, n in enumerate(sites) if n >= min_sites]


def filter_id(index: int) -> str:
    """The motif id of filter `index` of the first convolution."""
    return f"filter{index}"


@torch.no_grad()
def filter_influence(model: nn.Module, onehot: np.ndarray, device: torch.device, task: int, *,
                     batch_size: int = 256) -> np.ndarray:
    """The influence of each filter of the model's first convolution (filter i at index i) on output column `task`
    (Kelley et al. 2016, Basset): the mean squared change of that output over the first INFLUENCE_SEQUENCES
    sequences (uint8 one-hot, N × length × 4) when the filter's activations are replaced by their mean over those
    sequences' positions."""
    model.eval()
    conv = first_convolution(model)
    batches = [torch.as_tensor(onehot[start : start + batch_size]).to(device).float()
               for start in range(0, min(len(onehot), INFLUENCE_SEQUENCES), batch_size)]

    def task_output(hook):
        handle = conv.register_forward_hook(hook)
        try:
            return torch.cat([model(batch)[:, task].float() for batch in batches])
        finally:
            handle.remove()

    sums = []
    reference = task_output(lambda module, inputs, output: sums.append(output.float().mean(dim=2).sum(dim=0)))
    means = torch.stack(sums).sum(dim=0) / sum(len(batch) for batch in batches)

    def at_mean(index):
        def hook(module, inputs, output):
            output = output.clone()
            output[:, index] = means[index]
            return output
        return hook

    return np.array([(task_output(at_mean(i)) - reference).square().mean().item() for i in range(conv.out_channels)])


def _activations(model, conv, batch):
    """(activations (N, filters, positions), the input window of each (N, 4, positions, width), whether the window
    holds only bases (N, positions)) of `conv` for a float one-hot batch (N, length, 4)."""
    seen = {}
    # a copy of the output: a layer after it may change it in place
    handle = conv.register_forward_hook(lambda module, inputs, output: seen.update(x=inputs[0], y=output.clone()))
    try:
        model(batch)
    finally:
        handle.remove()
    x, activations = seen["x"], seen["y"].float()
    width, dilation, stride = conv.kernel_size[0], conv.dilation[0], conv.stride[0]
    span = dilation * (width - 1) + 1
    left = conv.padding[0] if isinstance(conv.padding, tuple) else (span - 1) // 2 if conv.padding == "same" else 0
    windows = nn.functional.pad(x, (left, span)).unfold(2, span, stride)[:, :, : activations.shape[2], ::dilation]
    return activations, windows, windows.sum(dim=(1, 3)) == width


def read_motifs(path: Path | str) -> list[Motif]:
    """The motifs of a file in MEME minimal format (with a 'MEME version' line) or in JASPAR's count format
    (records starting '>id name', then rows of counts for A, C, G and T)."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file; give motifs in MEME minimal or JASPAR format") from None
    if not any(line.strip() for line in lines):
        raise InputError(f"{path}: empty; give motifs in MEME minimal or JASPAR format")
    if any(line.startswith("MEME version") for line in lines):
        motifs = _read_meme(path, lines)
    elif next((line for line in lines if line.strip()), "").startswith(">"):
        motifs = _read_jaspar(path, lines)
    else:
        raise InputError(f"{path}: neither MEME minimal format (no 'MEME version' line) nor JASPAR format (no '>' "
                         "header first); give motifs in one of them")
    if not motifs:
        raise InputError(f"{path}: holds no motifs")
    return motifs


def _numbers(path, number, line, expected=None):
    """The numbers of a matrix row: a MEME one, or a JASPAR one with or without its base letter and brackets."""
    try:
        values = [float(word) for word in re.sub(r"^\s*[ACGTacgt]\s*|[\[\]]", " ", line).split()]
    except ValueError:
        values = []
    if not values or (expected and len(values) != expected):
        raise InputError(f"{path}, line {number}: expected {expected or 'some'} numbers, found {line.strip()!r}")
    return values


def _probabilities(path, number, rows):
    """Rows of counts or probabilities (width, 4) made probabilities."""
    rows = np.array(rows, dtype=np.float64)
    totals = rows.sum(axis=1, keepdims=True)
    if not np.isfinite(rows).all() or (rows < 0).any() or (totals <= 0).any():
        raise InputError(f"{path}, line {number}: a motif position has values that are not numbers of 0 or more, "
                         "or none above 0")
    return rows / totals


def _read_meme(path, lines):
    motifs, header = [], None
    for number, line in enumerate(lines, start=1):
        words = line.split()
        if line.startswith("ALPHABET=") and line.split("=", 1)[1].strip() != ALPHABET:
            raise InputError(f"{path}, line {number}: alphabet {line.split('=', 1)[1].strip()!r}; only DNA "
                             f"motifs ({ALPHABET}) can be compared")
        if words[:1] == ["MOTIF"]:
            if len(words) < 2:
                raise InputError(f"{path}, line {number}: a MOTIF line without an identifier")
            header = (words[1], " ".join(words[2:]))
        elif line.startswith("letter-probability matrix"):
            if header is None:
                raise InputError(f"{path}, line {number}: a matrix before any MOTIF line")
            fields = dict(re.findall(r"(\w+)=\s*(\S+)", line))
            if fields.get("alength", "4") != "4":
                raise InputError(f"{path}, line {number}: alength= {fields['alength']}; DNA motifs have 4")
            rows = []
            for row in lines[number:]:
                if not re.match(r"\s*[-+.0-9]", row):
                    break
                rows.append(_numbers(path, number + len(rows) + 1, row, 4))
            if not rows or ("w" in fields and fields["w"] != str(len(rows))):
                raise InputError(f"{path}, line {number}: w= {fields.get('w')} but {len(rows)} matrix rows follow")
            sites = int(float(fields.get("nsites", 0)))
            motifs.append(Motif(*header, _probabilities(path, number, rows), sites))
            header = None
    return motifs


def _read_jaspar(path, lines):
    motifs, number = [], 0
    while number < len(lines):
        line = lines[number]
        number += 1
        if not line.strip():
            continue
        if not line.startswith(">") or len(line[1:].split()) == 0:
            raise InputError(f"{path}, line {number}: expected a '>id name' header line")
        words = line[1:].split()
        rows, start = {}, number
        while len(rows) < 4 and number < len(lines):
            line = lines[number]
            number += 1
            letter = line.strip()[:1].upper()
            rows[letter if letter and letter in ALPHABET else ALPHABET[len(rows)]] = _numbers(path, number, line)
        if sorted(rows) != sorted(ALPHABET) or len({len(r) for r in rows.values()}) != 1:
            raise InputError(f"{path}, line {start}: motif {words[0]} needs rows of as many counts for A, C, G and T")
        counts = np.array([rows[base] for base in ALPHABET]).T
        motifs.append(Motif(words[0], " ".join(words[1:]), _probabilities(path, start, counts),
                            int(round(counts[0].sum()))))
    return motifs


def write_meme(motifs: list[Motif], path: Path | str) -> None:
    """MEME minimal format: DNA, both strands, a uniform background; readable by the MEME suite (Tomtom, FIMO)."""
    with open(path, "w") as out:
        out.write("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
                  "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n")
        for motif in motifs:
            out.write(f"MOTIF {motif.id} {motif.name}".rstrip() + "\n"
                      f"letter-probability matrix: alength= 4 w= {len(motif.pfm)} nsites= {motif.sites} E= 0\n")
            out.writelines(" ".join(f"{p:.6f}" for p in row) + "\n" for row in motif.pfm)
            out.write("\n")


def compare(queries: list[Motif], database: list[Motif], min_overlap: int = MIN_OVERLAP) -> list[list[Match]]:
    """For each query, every database motif's best alignment to it, best first (ties: in database order).

    An alignment's score is the Pearson correlation of the aligned columns' probabilities taken together (the
    probabilities of any column average 0.25, so a position of uniform bases adds nothing), over every offset
    where the two share at least min(min_overlap, their widths) columns, on both strands of the query (the forward
    one first, then the leftmost offset on ties). A correlation, not Tomtom's p-value: rank matches with it, and
    read a short overlap's high score with care."""
    width = max(len(motif.pfm) for motif in database)
    centred, real = np.zeros((len(database), width, 4)), np.zeros((len(database), width))
    for k, motif in enumerate(database):  # the database motifs padded with empty columns to one width
        centred[k, : len(motif.pfm)], real[k, : len(motif.pfm)] = motif.pfm - 0.25, 1
    squares = (centred**2).sum(axis=2)
    return [_best_alignments(query.pfm, database, centred, real, squares, min_overlap) for query in queries]


def _best_alignments(pfm, database, centred, real, database_squares, min_overlap):
    count, width = real.shape
    needed = np.minimum(min(min_overlap, len(pfm)), real.sum(axis=1))[:, None]
    # Window o of the query, padded with width - 1 empty columns on each side, meets database column j with query
    # column o - (width - 1) + j: its offset is o - (width - 1).
    present = sliding_window_view(np.pad(np.ones(len(pfm)), width - 1), width)  # (offsets, width)
    overlap = real @ present.T  # (database, offsets)
    scores = []
    for strand in (pfm, reverse_complement_one_hot(pfm)):
        padded = np.pad(strand - 0.25, ((width - 1, width - 1), (0, 0)))
        windows = sliding_window_view(padded, (width, 4))[:, 0]  # (offsets, width, 4)
        squares = sliding_window_view((padded**2).sum(axis=1), width)  # (offsets, width)
        covariance = centred.reshape(count, -1) @ windows.reshape(len(windows), -1).T
        variances = (real @ squares.T) * (database_squares @ present.T)
        correlation = np.divide(covariance, np.sqrt(variances), out=np.zeros_like(covariance), where=variances > 0)
        scores.append(np.where(overlap >= needed, correlation, -np.inf))
    scores = np.concatenate(scores, axis=1)  # (database, forward offsets then reverse ones)
    best = scores.argmax(axis=1)
    correlations, (strands, offsets) = scores[np.arange(count), best], np.divmod(best, len(present))
    return [Match(database[k], float(correlations[k]), int(offsets[k]) - (width - 1), "+-"[strands[k]],
                  int(overlap[k, offsets[k]]))
            for k in np.argsort(-correlations, kind="stable")]
