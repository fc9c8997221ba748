"""What is known about genes besides their annotations: expression profiles and protein (or DNA) sequences as
feature matrices, and one table of genes joining annotations, features and a network.

Files name genes differently ("TP53", "tp53", "TP-53"), so genes are matched on normalised names (case,
punctuation and whitespace ignored, as for cell lines in drug-response tables) and what did not match is reported.
Both feature kinds are transformed gene by gene, or with statistics over all the genes of the file, never with
annotations: they carry no label, so fitting them on every gene, test genes included, leaks nothing.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np
from scipy import sparse

from genotools.errors import InputError
from genotools.function.annotations import Annotations
from genotools.function.network import Network
from genotools.io.fasta import read_sequences
from genotools.io.tables import Omics, normalise, read_omics
from genotools.preprocessing import Standardiser, fit_standardiser, log_transform

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
NUCLEOTIDES = "ACGT"
KMER_SIZES = {"protein": (1, 2), "dna": (1, 2, 3)}  # 20 + 400, or 4 + 16 + 64 frequencies, then log length


@dataclass
class Features:
    """genes x names values, float32, without missing values; genes spelt as in the file."""
    path: str
    kind: str  # expression or sequence
    genes: list
    names: list
    values: np.ndarray
    preprocessing: dict  # what rebuilds the same features from another file of the kind (a model keeps it)


def read_expression(path: Path | str, genes: Sequence[str] = (), orientation: str = "auto", log: bool = False,
                    samples: list[str] | None = None) -> Features:
    """An expression matrix (TSV or CSV, genes as rows or as columns: "auto" takes the side whose names match
    more of `genes`, e.g. the annotated genes), optionally log2(x + 1)-transformed, each gene's profile then
    standardised across the samples with its own mean and standard deviation. A missing value becomes 0, the
    gene's mean; a gene without any value, or with the same value everywhere, carries no information and is
    left out (it becomes a gene without expression).
    With `samples` (a model's, from `preprocessing`), "auto" takes the side naming them for the samples, and the
    columns are put in their order; a sample the file lacks is a missing value of every gene."""
    omics = read_omics(path, genes, orientation, features=samples or (), row_kind="gene",
                       known_rows="the annotated genes")
    if samples is not None:
        omics = _in_order(omics, samples)
    values = log_transform(omics.values, path) if log else omics.values.astype(np.float64)
    observed = ~np.isnan(values)
    counts = observed.sum(1, keepdims=True)
    mean = np.nansum(values, 1, keepdims=True) / np.maximum(counts, 1)
    deviation = np.sqrt(np.where(observed, (values - mean) ** 2, 0).sum(1, keepdims=True) / np.maximum(counts, 1))
    informative = np.where(observed, values, -np.inf).max(1) > np.where(observed, values, np.inf).min(1)
    standardised = np.nan_to_num((values - mean) / np.where(deviation > 0, deviation, 1), nan=0.0)
    return Features(path=str(path), kind="expression", genes=[g for g, keep in zip(omics.cells, informative) if keep],
                    names=omics.features, values=standardised[informative].astype(np.float32),
                    preprocessing={"samples": omics.features, "log": log})


def _in_order(omics, samples):
    """The matrix with the columns `samples`, in that order: NaN for those it lacks."""
    column = {name: i for i, name in enumerate(omics.features)}
    if not set(samples) & set(column):
        raise InputError(f"{omics.path}: names none of the model's samples (e.g. {', '.join(samples[:3])}); "
                         "give the expression matrix the model was trained with")
    values = np.full((len(omics.cells), len(samples)), np.nan, np.float32)
    present = [i for i, name in enumerate(samples) if name in column]
    values[:, present] = omics.values[:, [column[samples[i]] for i in present]]
    return Omics(omics.path, omics.cells, list(samples), values)


def read_sequence_features(path: Path | str, alphabet: str = "auto", mean: list[float] | None = None,
                           scale: list[float] | None = None) -> Features:
    """k-mer composition of a FASTA of protein ("protein") or DNA ("dna") sequences named by gene (the first word
    of the header); "auto" takes DNA when every sequence is made of A, C, G, T and N only. A gene with several
    sequences (isoforms) is described by its longest. Features are k-mer frequencies and the log length, each
    standardised across the genes of the file (a fixed composition scale would let the frequent 1-mers
    outweigh the rare 2-mers), or with a model's `mean` and `scale` (from `preprocessing`)."""
    records = read_sequences(path)
    longest = {}
    for name, sequence in records:
        key = normalise(name)
        if key not in longest or len(sequence) > len(longest[key][1]):
            longest[key] = (name, sequence.upper())
    if alphabet == "auto":
        alphabet = "dna" if all(set(s) <= set("ACGTN") for _, s in longest.values()) else "protein"
    if alphabet not in KMER_SIZES:
        raise ValueError(f"alphabet must be auto, protein or dna, not {alphabet!r}")
    letters = AMINO_ACIDS if alphabet == "protein" else NUCLEOTIDES
    names = ["".join(kmer) for k in KMER_SIZES[alphabet] for kmer in product(letters, repeat=k)] + ["log_length"]
    values = np.array([composition(sequence, letters, KMER_SIZES[alphabet]) for _, sequence in longest.values()])
    standardiser = (fit_standardiser(values, np.arange(len(values)), values.shape[1]) if mean is None else
                    Standardiser(np.arange(len(names)), np.array(mean), np.array(scale)))
    return Features(path=str(path), kind="sequence", genes=[name for name, _ in longest.values()], names=names,
                    values=standardiser.transform(values),
                    preprocessing={"alphabet": alphabet, "mean": standardiser.mean.tolist(),
                                   "scale": standardiser.scale.tolist()})


def composition(sequence: str, letters: str, sizes: Iterable[int]) -> np.ndarray:
    """The frequencies of every k-mer of `letters` for each k in `sizes` (k-mers with another letter, such as X
    or N, are skipped), then log(1 + length)."""
    codes = np.full(256, -1, dtype=np.int64)
    codes[np.frombuffer(letters.encode(), np.uint8)] = np.arange(len(letters))
    digits = codes[np.frombuffer(sequence.encode("ascii", "replace"), np.uint8)]
    parts = []
    for k in sizes:
        windows = np.lib.stride_tricks.sliding_window_view(digits, k) if len(digits) >= k else np.empty((0, k), int)
        valid = windows[(windows >= 0).all(1)]
        counts = np.bincount(valid @ len(letters) ** np.arange(k - 1, -1, -1), minlength=len(letters) ** k)
        parts.append(counts / max(len(valid), 1))
    return np.concatenate([*parts, [np.log1p(len(sequence))]])


@dataclass
class GeneData:
    """Annotations, features and network over one list of genes: every gene named by any of the files, in
    the order of their normalised names, spelt as first seen (annotations, then features, then network).

    features        genes x (feature columns, then one "missing" indicator per feature kind), float32. A gene
                    without a kind of feature has zeros there (the mean, as features are standardised) and 1 in
                    that kind's indicator, through which the first layer of a model learns what to assume for it
                    instead (the indicator's weights act as a learned embedding of "not measured").
    feature_names   per column; the indicators are "missing:<kind>"
    adjacency       genes x genes, symmetric, scipy CSR; a gene without edges has an empty row
    truth           genes x terms, propagated; an unannotated gene has an empty row
    terms           the annotations' terms (in the ontology's order)
    """
    genes: list
    features: np.ndarray
    feature_names: list
    adjacency: sparse.csr_matrix
    truth: sparse.csr_matrix
    terms: list
    annotated: np.ndarray  # bool per gene
    unmatched: dict = field(default_factory=dict)  # {what did not match: sorted names}, for tables.summarise


def gene_data(annotations: Annotations | None, features: Sequence[Features] = (),
              network: Network | None = None) -> GeneData:
    """The GeneData of annotations (annotations.Annotations, or None for genes to predict), feature matrices
    (Features) and a network (network.Network, or None), matched on normalised gene names. A gene named twice in
    one file (after normalisation) is merged: its annotations are united, its edges summed."""
    sources = [(f.path, f.kind, f.genes) for f in features]
    if network is not None:
        sources.append((network.path, "network", network.genes))
    if annotations is not None:
        sources.insert(0, (annotations.path, "annotations", annotations.genes))
    spelling = {}
    for _, _, genes in sources:
        for gene in genes:
            spelling.setdefault(normalise(gene), gene)
    keys = sorted(spelling)
    row = {key: i for i, key in enumerate(keys)}

    def selection(genes):  # genes of a file -> rows of the table
        return sparse.csr_matrix((np.ones(len(genes)), (np.arange(len(genes)), [row[normalise(g)] for g in genes])),
                                 shape=(len(genes), len(keys)))

    if annotations is None:
        truth = sparse.csr_matrix((len(keys), 0), dtype=bool)
    else:
        truth = (selection(annotations.genes).T @ annotations.matrix.astype(np.float64) > 0).tocsr()
    columns, names = [], []
    indicators = np.zeros((len(keys), len(features)), np.float32)
    for k, matrix in enumerate(features):
        values = np.zeros((len(keys), len(matrix.names)), np.float32)
        rows = [row[normalise(g)] for g in matrix.genes]
        values[rows] = matrix.values
        indicators[:, k] = 1
        indicators[rows, k] = 0
        columns.append(values)
        names += [f"{matrix.kind}:{name}" for name in matrix.names]
    if network is None:
        adjacency = sparse.csr_matrix((len(keys), len(keys)))
    else:
        by_network = selection(network.genes)
        adjacency = (by_network.T @ network.adjacency @ by_network).tocsr()
        adjacency.setdiag(0)  # two spellings of one gene joined by an edge
        adjacency.eliminate_zeros()
    if annotations is not None:
        _check_shared_genes(sources)
    return GeneData(genes=[spelling[key] for key in keys],
                    features=np.hstack([*columns, indicators]) if features else np.zeros((len(keys), 0), np.float32),
                    feature_names=names + [f"missing:{matrix.kind}" for matrix in features],
                    adjacency=adjacency, truth=truth, terms=list(annotations.terms) if annotations else [],
                    annotated=np.asarray(truth.sum(1)).ravel() > 0,
                    unmatched=_unmatched(sources, spelling, adjacency, row) if annotations else {})


def _check_shared_genes(sources):
    """Refuse a file that names none of the annotated genes (sources[0]): it would add nothing to training, and
    most likely names genes another way (Ensembl ids, STRING's protein ids) than the annotations do."""
    annotation_path, annotated = sources[0][0], {normalise(gene) for gene in sources[0][2]}
    for path, _, genes in sources[1:]:
        if not annotated & {normalise(gene) for gene in genes}:
            raise InputError(f"{path}: none of its genes (e.g. {', '.join(genes[:3])}) is annotated in "
                             f"{annotation_path} (e.g. {', '.join(sources[0][2][:3])}); name the genes of both files "
                             "the same way (e.g. all symbols, or all UniProt ids)")


def _unmatched(sources, spelling, adjacency, row):
    """The annotated genes missing from each other file, the genes of each other file not annotated, and the
    genes without an edge."""
    keys_of = [{normalise(gene) for gene in genes} for _, _, genes in sources]
    annotation_path, annotated = sources[0][0], keys_of[0]
    unmatched = {}
    for (path, kind, _), keys in zip(sources[1:], keys_of[1:]):
        unmatched[f"annotated genes of {annotation_path} without {kind} in {path}"] = annotated - keys
        unmatched[f"genes of {path} not annotated in {annotation_path}"] = keys - annotated
    if any(kind == "network" for _, kind, _ in sources):
        connected = np.diff(adjacency.indptr) > 0
        unmatched["genes without an edge in the network"] = {key for key in spelling if not connected[row[key]]}
    return {what: sorted(spelling[key] for key in keys) for what, keys in unmatched.items() if keys}

