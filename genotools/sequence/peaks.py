"""Labelled windows from peak files, as Selene, janggu and gReLU build them: tiles of a genome (or a user's regions)
labelled 1 for a task when they overlap that task's peaks enough, N-rich and excluded windows left out, and
optionally only the windows in a peak kept beside background windows of matched GC content."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.bed import Regions, read_regions
from genotools.io.fasta import Reference

OVERLAP_OF = ("region", "peak")
GC_BINS = 20  # background windows are matched to the windows in peaks by GC content in bins of 5%
_GC = np.zeros(256, dtype=np.uint16)
_GC[list(b"GCgc")] = 1
_UNKNOWN = np.ones(256, dtype=np.uint16)  # N, every other IUPAC code, and padding past contig ends
_UNKNOWN[list(b"ACGTacgt")] = 0


@dataclass
class PeakOptions:
    min_overlap: float = 0.5  # the fraction of the region (or of one peak) a task's peaks must cover
    overlap_of: str = "region"  # region | peak
    background: float | None = None  # background windows per window in a peak; None keeps every window
    max_n: float = 0.1  # the largest fraction of unknown bases in a window's sequence
    exclude: Path | None = None  # BED of regions no window's sequence may touch (a blacklist)


@dataclass
class Windows:
    """Intervals on a reference's contigs: the regions labelled, or the sequences around them."""

    contigs: list  # contig names
    contig: np.ndarray  # index into `contigs` of each interval's contig
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, regions: Regions, contigs: list[str]) -> "Windows":
        """The BED regions `regions` (on contigs all in `contigs`)."""
        index = {name: i for i, name in enumerate(contigs)}
        return cls(contigs, np.array([index[chrom] for chrom in regions.chroms]), regions.starts, regions.ends)

    def __len__(self) -> int:
        return len(self.starts)

    def subset(self, keep: np.ndarray) -> "Windows":
        return Windows(self.contigs, self.contig[keep], self.starts[keep], self.ends[keep])

    def on(self, index: int) -> np.ndarray:
        """Which intervals lie on contig `index`."""
        return self.contig == index

    def chroms(self) -> list:
        return [self.contigs[i] for i in self.contig.tolist()]

    def names(self) -> list:
        return [f"{chrom}:{start}-{end}" for chrom, start, end in
                zip(self.chroms(), self.starts.tolist(), self.ends.tolist())]


def task_names(paths: list[Path], given: list[str]) -> list[str]:
    """`given` (one per peak file), or else each file's name less its extensions (CTCF.narrowPeak.gz: CTCF)."""
    if given and len(given) != len(paths):
        raise InputError(f"--task-names names {len(given)} task(s) for {len(paths)} peak file(s); give one name "
                         "per --peaks")
    names = given or [Path(path).name.removesuffix(".gz").rsplit(".", 1)[0] for path in paths]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"two peak files make the task {repeated[0]!r}; name each with --task-names")
    return names


def tiles(lengths: dict[str, int], size: int) -> Windows:
    """Tiles of `size` bases from the start of each contig; a last piece shorter than `size` is left out."""
    counts = [length // size for length in lengths.values()]
    if not any(counts):
        raise InputError(f"--tile {size:,}: every contig of the reference is shorter; tile it in shorter pieces")
    starts = np.concatenate([np.arange(count, dtype=np.int64) * size for count in counts])
    contig = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    return Windows(list(lengths), contig, starts, starts + size)


def intervals(path: Path | str, contigs: list[str]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The intervals of a BED file (a peak file, a blacklist), by the index in `contigs` of their contig; those on
    other contigs are left out, but a file with none on `contigs` is refused (another assembly's naming)."""
    regions = read_regions(path)
    index = {name: i for i, name in enumerate(contigs)}
    chrom_index = np.array([index.get(chrom, -1) for chrom in regions.chroms])
    if (chrom_index < 0).all():
        example = regions.chroms[0]
        renamed = example[3:] if example.startswith("chr") else "chr" + example
        hint = " (the names differ by a 'chr' prefix: rename them)" if renamed in index else ""
        raise InputError(f"{path}: no interval is on a contig of the reference (the first is on {example}){hint}")
    return {i: (regions.starts[chrom_index == i], regions.ends[chrom_index == i]) for i in np.unique(chrom_index)
            if i >= 0}


def _merged(starts, ends):
    """The union of intervals, as sorted disjoint intervals."""
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    new = np.concatenate([[True], starts[1:] > reach[:-1]])
    group_end = np.maximum.reduceat(ends, np.flatnonzero(new))
    return starts[new], group_end


def overlap_fraction(starts: np.ndarray, ends: np.ndarray, peak_starts: np.ndarray, peak_ends: np.ndarray,
                     of: str) -> np.ndarray:
    """For each interval [starts, ends): the fraction of it the peaks cover together (`of` 'region'), or the
    largest fraction of one peak that lies inside it ('peak')."""
    if of == "region":
        peak_starts, peak_ends = _merged(peak_starts, peak_ends)
        covered_before = np.concatenate([[0], np.cumsum(peak_ends - peak_starts)])

        def covered(x):  # bases of the peaks before position x
            after = np.searchsorted(peak_ends, x, side="right")  # the first peak that ends after x
            inside = np.clip(x - peak_starts[np.minimum(after, len(peak_starts) - 1)], 0, None)
            return covered_before[after] + np.where(after < len(peak_starts), inside, 0)

        return (covered(ends) - covered(starts)) / (ends - starts)
    order = np.argsort(peak_starts, kind="stable")
    peak_starts, peak_ends = peak_starts[order], peak_ends[order]
    # A peak that starts `longest` bases or more before an interval ends before it: the candidates of each interval
    # are the peaks starting between there and its end.
    longest = (peak_ends - peak_starts).max()
    first = np.searchsorted(peak_starts, starts - longest, side="right")
    last = np.searchsorted(peak_starts, ends, side="left")
    best = np.zeros(len(starts))
    for k in range(int((last - first).max(initial=0))):
        peak = np.minimum(first + k, len(peak_starts) - 1)
        inside = np.clip(np.minimum(ends, peak_ends[peak]) - np.maximum(starts, peak_starts[peak]), 0, None)
        best = np.maximum(best, np.where(first + k < last, inside / (peak_ends[peak] - peak_starts[peak]), 0))
    return best


def peak_labels(path: Path | str, regions: Windows, options: PeakOptions) -> np.ndarray:
    """1 for each region the peaks of `path` overlap by at least options.min_overlap (of the region, or of one
    peak), else 0."""
    labels = np.zeros(len(regions), dtype=np.float32)
    for contig, (peak_starts, peak_ends) in intervals(path, regions.contigs).items():
        on = regions.on(contig)
        fraction = overlap_fraction(regions.starts[on], regions.ends[on], peak_starts, peak_ends, options.overlap_of)
        labels[on] = (fraction > 0) & (fraction >= options.min_overlap)
    return labels


def touching(windows: Windows, path: Path | str) -> np.ndarray:
    """Which windows overlap an interval of the BED file `path`."""
    hit = np.zeros(len(windows), dtype=bool)
    for contig, (starts, ends) in intervals(path, windows.contigs).items():
        on = windows.on(contig)
        hit[on] = overlap_fraction(windows.starts[on], windows.ends[on], starts, ends, "region") > 0
    return hit


def composition(reference: Reference, windows: Windows, run: int) -> tuple[np.ndarray, np.ndarray]:
    """The GC fraction (of the known bases) and the fraction of unknown bases of each window's sequence, read
    `run` windows at a time."""
    gc, unknown = np.zeros(len(windows)), np.zeros(len(windows))
    length = int(windows.ends[0] - windows.starts[0])
    chroms = windows.chroms()
    for start in range(0, len(windows), run):
        rows = slice(start, start + run)
        sequences = reference.fetch_many(chroms[rows], windows.starts[rows], windows.ends[rows])
        codes = np.frombuffer("".join(sequences).encode("ascii"), dtype=np.uint8).reshape(-1, length)
        n = _UNKNOWN[codes].sum(axis=1)
        gc[rows] = _GC[codes].sum(axis=1) / np.maximum(length - n, 1)
        unknown[rows] = n / length
    return gc, unknown


def gc_matched(gc: np.ndarray, in_peak: np.ndarray, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """The windows in a peak, and about `ratio` times as many others drawn to match their GC content (fewer where
    a GC bin runs short of windows outside peaks)."""
    bins = np.minimum((gc * GC_BINS).astype(int), GC_BINS - 1)
    keep = in_peak.copy()
    for gc_bin in range(GC_BINS):
        pool = np.flatnonzero(~in_peak & (bins == gc_bin))
        wanted = round(ratio * np.count_nonzero(in_peak & (bins == gc_bin)))
        keep[rng.choice(pool, min(wanted, len(pool)), replace=False)] = True
    return keep


def kept_windows(reference: Reference, windows: Windows, labels: np.ndarray, options: PeakOptions,
                 rng: np.random.Generator, run: int) -> np.ndarray:
    """Indices of the windows `options` keep: those touching no excluded region and with at most options.max_n
    unknown bases; with options.background, only the ones in a peak (labelled 1 for a task) and GC-matched
    others."""
    kept = np.flatnonzero(~touching(windows, options.exclude)) if options.exclude else np.arange(len(windows))
    if not len(kept):
        raise InputError(f"{options.exclude}: every window touches an excluded region")
    gc, unknown = composition(reference, windows.subset(kept), run)
    known = unknown <= options.max_n
    kept, gc = kept[known], gc[known]
    if not len(kept):
        raise InputError(f"every window has more than {options.max_n:.0%} unknown bases (N); raise --max-n")
    if options.background is not None:
        in_peak = labels[kept].any(axis=1)
        if not in_peak.any():
            raise InputError("no window overlaps a peak, so none can be matched by background windows; are the "
                             "peaks on this reference?")
        kept = kept[gc_matched(gc, in_peak, options.background, rng)]
    return kept
