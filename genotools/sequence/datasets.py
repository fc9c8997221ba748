"""Building encoded datasets from a reference and BED regions, or from ready-made FASTA sequences."""

import re
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io import fasta
from genotools.io.bed import Regions, read_regions
from genotools.io.fasta import Reference, read_sequences
from genotools.io.hdf5 import EncodedDataset
from genotools.io.text import read_label_table
from genotools.sequence import encoding

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
                   reverse_complement: bool = False) -> EncodedDataset:
    """Encode windows of `seq_len` (default: the regions' common length) centred on each BED region."""
    regions = read_regions(regions_path)
    seq_len = _window_length(seq_len, regions.ends - regions.starts, f"{regions_path}: regions")
    with Reference(reference_path) as reference:
        check_on_reference(regions_path, regions, reference.lengths)
        starts, ends = encoding.centred_window(regions.starts, regions.ends, seq_len)
        sequences = [reference.fetch(c, s, e) for c, s, e in zip(regions.chroms, starts.tolist(), ends.tolist())]
        fingerprint = reference.fingerprint
    data = _encode(sequences, regions.names, regions.task_names, regions.labels, kmer, reverse_complement,
                   coordinates=(regions.chroms, starts, ends))
    data.attrs.update(reference_fingerprint=fingerprint, reference=str(reference_path), regions=str(regions_path))
    return data


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
                 kmer: int = 0, reverse_complement: bool = False) -> EncodedDataset:
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
    data = _encode(sequences, names, task_names, labels, kmer, reverse_complement, coordinates)
    data.attrs.update(fasta=str(fasta_path))
    return data


def _encode(sequences, names, task_names, labels, kmer, reverse_complement, coordinates=None):
    """One-hot (and k-mer) encode; with `reverse_complement`, append each sequence's reverse complement."""
    strands = ["+"] * len(names)
    if reverse_complement:
        sequences = sequences + [fasta.reverse_complement(s) for s in sequences]
        names, strands = names * 2, strands + ["-"] * len(names)
        labels = None if labels is None else np.concatenate([labels, labels])
        if coordinates is not None:
            chroms, starts, ends = coordinates
            coordinates = chroms * 2, np.concatenate([starts, starts]), np.concatenate([ends, ends])
    onehot = encoding.one_hot_many(sequences, len(sequences[0]))
    kmers = np.stack([encoding.kmer_counts(s, kmer) for s in sequences]) if kmer else None
    chroms, starts, ends = coordinates or (None, None, None)
    attrs = {"alphabet": encoding.ALPHABET, "unknown_base_encoding": encoding.UNKNOWN_BASE_ENCODING, "kmer": kmer,
             "reverse_complement": reverse_complement}
    return EncodedDataset(onehot, names, strands, task_names, labels, chroms, starts, ends, kmers, attrs)
