"""Building encoded datasets from a reference and BED regions, a reference and peak files, or ready-made FASTA
sequences; each made and written a run of sequences at a time."""

import re
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io import fasta
from genotools.io.bed import Regions, read_regions
from genotools.io.fasta import Reference, read_sequences
from genotools.io.hdf5 import DatasetChunks, EncodedDataset, chunk_rows
from genotools.io.text import read_label_table
from genotools.sequence import encoding, peaks
from genotools.sequence.peaks import PeakOptions

MAX_WINDOW = 2**20  # bases; the longest inputs of published sequence models are about half of this


def _window_length(seq_len, lengths, what):
    """`seq_len`, or else the common length of the sequences; refused beyond MAX_WINDOW."""
    lengths = np.asarray(lengths)
    if not seq_len and lengths.min() != lengths.max():
        raise InputError(f"{what} have different lengths ({lengths.min()} to {lengths.max()} bp); "
                         "set --seq-len to resize them around their centres")
    seq_len = seq_len or int(lengths[0])
    if seq_len > MAX_WINDOW:
        raise InputError(f"{what}: windows of {seq_len:,} bp are longer than the {MAX_WINDOW:,} bp genotools "
                         "encodes; set a shorter --seq-len, or cut the sequences into windows (bedtools "
                         "makewindows) and encode those with --reference and --regions")
    return seq_len


_NUCLEOTIDES = frozenset("ACGTUNRYSWKMBDHVacgtunryswkmbdhv")  # the bases and IUPAC's ambiguity codes


def read_dna(path: Path | str) -> list[tuple[str, str]]:
    """(name, sequence) of each record of a FASTA file of DNA: every record named, uniquely, and holding
    nucleotides (IUPAC codes included) only."""
    records = read_sequences(path, unique_names=True)
    for number, (name, sequence) in enumerate(records, start=1):
        if not name:
            raise InputError(f"{path}: record {number} has no name; give it one after its '>'")
        if not sequence:
            raise InputError(f"{path}: record {name!r} has no sequence; remove it or add its bases")
        strange = set(sequence) - _NUCLEOTIDES
        if strange:
            raise InputError(f"{path}: record {name!r} holds {', '.join(repr(c) for c in sorted(strange)[:5])}, "
                             "not nucleotides (A, C, G, T, N or an IUPAC code); is it a protein FASTA or an "
                             "alignment with gaps?")
    return records


def check_on_reference(path: Path | str, regions: Regions, lengths: dict[str, int]) -> None:
    """Refuse regions of `path` on contigs the reference lacks (with a hint when only a 'chr' prefix differs), or
    starting past their contig's end. A window running off a contig's end is padded with N; one wholly past it
    is a mistake in the BED (another assembly, or a swapped column)."""
    missing = set(regions.chroms) - set(lengths)
    if missing:
        listed = ", ".join(sorted(missing)[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        renamed = {c[3:] if c.startswith("chr") else "chr" + c for c in missing}
        hint = " (the names differ by a 'chr' prefix: rename them in the BED)" if renamed & set(lengths) else ""
        raise InputError(f"{path}: contigs not in the reference: {listed}{hint}")
    for chrom, start, line in zip(regions.chroms, regions.starts.tolist(), regions.lines):
        if start >= lengths[chrom]:
            raise InputError(f"{path}: line {line}: the region starts at {start:,}, past the end of {chrom} "
                             f"({lengths[chrom]:,} bp in the reference); is the BED for another assembly?")


def encode_regions(reference_path: Path | str, regions_path: Path | str, seq_len: int | None = None, kmer: int = 0,
                   reverse_complement: bool = False) -> DatasetChunks:
    """Encode windows of `seq_len` (default: the regions' common length) centred on each BED region."""
    regions = read_regions(regions_path)
    seq_len = _window_length(seq_len, regions.ends - regions.starts, f"{regions_path}: regions")
    with Reference(reference_path) as reference:
        check_on_reference(regions_path, regions, reference.lengths)
        fingerprint = reference.fingerprint
    starts, ends = encoding.centred_window(regions.starts, regions.ends, seq_len)
    return _chunked(regions.names, regions.task_names, regions.labels, (regions.chroms, starts, ends),
                    _from_reference(reference_path, regions.chroms, starts, ends), seq_len, kmer, reverse_complement,
                    reference_fingerprint=fingerprint, reference=str(reference_path), regions=str(regions_path))


def encode_peaks(reference_path: Path | str, peak_paths: list[Path], task_names: list[str], tile: int | None,
                 regions_path: Path | str | None, seq_len: int | None, options: PeakOptions, kmer: int = 0,
                 reverse_complement: bool = False, seed: int = 0) -> DatasetChunks:
    """Label tiles of `tile` bases (or the BED regions of `regions_path`) by their overlap with the peaks of each
    file (tasks named `task_names`, or after the files), and encode the windows of `seq_len` (default: the tiles'
    or regions' length) centred on them that `options` keep."""
    task_names = peaks.task_names(peak_paths, task_names)
    with Reference(reference_path) as reference:
        fingerprint = reference.fingerprint
        if tile:
            regions = peaks.tiles(reference.lengths, tile)
        else:
            bed = read_regions(regions_path)
            if bed.task_names:
                raise InputError(f"{regions_path}: has label columns, but --peaks makes the labels; give the "
                                 "regions without them")
            check_on_reference(regions_path, bed, reference.lengths)
            regions = peaks.Windows.of(bed, list(reference.lengths))
        seq_len = _window_length(seq_len, regions.ends - regions.starts,
                                 f"{regions_path}: regions" if regions_path else "--tile")
        windows = peaks.Windows(regions.contigs, regions.contig,
                                *encoding.centred_window(regions.starts, regions.ends, seq_len))
        labels = np.stack([peaks.peak_labels(path, regions, options) for path in peak_paths], axis=1)
        kept = peaks.kept_windows(reference, windows, labels, options, np.random.default_rng(seed),
                                  _run_length(seq_len))
    names = regions.subset(kept).names() if tile else [bed.names[i] for i in kept.tolist()]
    windows = windows.subset(kept)
    chroms = windows.chroms()
    return _chunked(names, task_names, labels[kept], (chroms, windows.starts, windows.ends),
                    _from_reference(reference_path, chroms, windows.starts, windows.ends), seq_len, kmer,
                    reverse_complement, reference_fingerprint=fingerprint, reference=str(reference_path),
                    peaks=[str(path) for path in peak_paths], tile=tile or 0, regions=str(regions_path or ""),
                    min_overlap=options.min_overlap, overlap_of=options.overlap_of,
                    background=-1 if options.background is None else options.background, max_n=options.max_n,
                    exclude=str(options.exclude or ""), seed=seed)


# A record named by its region, as bedtools getfasta ("chr1:99-200", 0-based start, "(+)" with -s) and
# samtools faidx ("chr1:100-200", 1-based) name them.
_REGION_NAME = re.compile(r"(.+):(\d+)-(\d+)(?:\([+-]\))?")


def fasta_coordinates(records: list[tuple[str, str]]) -> tuple[list, np.ndarray, np.ndarray] | None:
    """Chromosome, 0-based start and end of every record when each is named by its region and the region's length
    is the sequence's (either naming convention); None otherwise."""
    chroms, starts, ends = [], [], []
    for name, sequence in records:
        match = _REGION_NAME.fullmatch(name)
        if not match:
            return None
        start, end = int(match[2]), int(match[3])
        if end - start + 1 == len(sequence):
            start -= 1
        elif end - start != len(sequence):
            return None
        chroms.append(match[1])
        starts.append(start)
        ends.append(end)
    return chroms, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def encode_fasta(fasta_path: Path | str, labels_path: Path | str | None = None, seq_len: int | None = None,
                 kmer: int = 0, reverse_complement: bool = False) -> DatasetChunks:
    """Encode every FASTA record, resized to `seq_len` when given; labels come from a TSV keyed by name. Records
    named by their region (chr1:100-300) keep its coordinates, so that training can hold out chromosomes."""
    records = read_dna(fasta_path)
    names = [name for name, _ in records]
    seq_len = _window_length(seq_len, [len(seq) for _, seq in records], f"{fasta_path}: sequences")
    sequences = [encoding.resize(seq, seq_len) for _, seq in records]
    coordinates = fasta_coordinates(records)
    if coordinates:
        chroms, starts, ends = coordinates
        coordinates = (chroms, *encoding.centred_window(starts, ends, seq_len))
    task_names, labels = [], None
    if labels_path:
        task_names, rows = read_label_table(labels_path)
        unlabelled = [name for name in names if name not in rows]
        if unlabelled:
            raise InputError(f"{labels_path}: no labels for {len(unlabelled)} FASTA record(s), e.g. {unlabelled[0]!r}")
        labels = np.array([rows[name] for name in names], dtype=np.float32)
    return _chunked(names, task_names, labels, coordinates, lambda runs: (sequences[a:b] for a, b in runs), seq_len,
                    kmer, reverse_complement, fasta=str(fasta_path))


WRITE_CHUNKS = 16  # HDF5 chunks of sequences encoded and written at a time: about 16 MiB of one-hot


def _run_length(seq_len):
    return chunk_rows(seq_len) * WRITE_CHUNKS


def _from_reference(path, chroms, starts, ends):
    """The sequences of each run of windows, read from the reference at `path`."""
    def sequences(runs):
        with Reference(path) as reference:
            for a, b in runs:
                yield reference.fetch_many(chroms[a:b], starts[a:b], ends[a:b])
    return sequences


def _chunked(names, task_names, labels, coordinates, sequences, seq_len, kmer, reverse_complement,
             **attrs) -> DatasetChunks:
    """The dataset of the windows `names`, encoded a run at a time: `sequences(runs)` yields the sequences of each
    run of rows (start, end). With `reverse_complement`, every window's reverse complement follows them all."""
    strands = ("+", "-") if reverse_complement else ("+",)
    chroms, starts, ends = coordinates or (None, None, None)
    attrs = {"alphabet": encoding.ALPHABET, "unknown_base_encoding": encoding.UNKNOWN_BASE_ENCODING, "kmer": kmer,
             "reverse_complement": reverse_complement, **attrs}
    runs = [(start, min(start + _run_length(seq_len), len(names))) for start in range(0, len(names),
                                                                                      _run_length(seq_len))]

    def chunks():
        for strand in strands:
            for (start, end), batch in zip(runs, sequences(runs)):
                if strand == "-":
                    batch = [fasta.reverse_complement(s) for s in batch]
                yield EncodedDataset(
                    onehot=encoding.one_hot_many(batch, seq_len), names=names[start:end],
                    strands=[strand] * (end - start), task_names=task_names,
                    labels=None if labels is None else labels[start:end],
                    chroms=None if chroms is None else chroms[start:end],
                    starts=None if starts is None else starts[start:end],
                    ends=None if ends is None else ends[start:end],
                    kmers=np.stack([encoding.kmer_counts(s, kmer) for s in batch]) if kmer else None)

    return DatasetChunks(len(names) * len(strands), seq_len, task_names, attrs, chunks())
