"""A gene interaction network from a weighted edge list: gene_a, gene_b and an optional weight a line.

Columns are separated by tabs, else commas, else whitespace (as in STRING's files), as the first line is.
Edges are undirected: a -> b and b -> a are one edge, and duplicates keep their largest weight. Self-loops are
dropped. Lines starting with '#' are comments.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from genotools.errors import InputError
from genotools.io.text import is_number, read_lines


@dataclass
class Network:
    path: str
    genes: list  # in the order first seen
    adjacency: sparse.csr_matrix  # genes x genes, symmetric, float64 weights, no diagonal
    self_loops: int  # lines dropped
    merged: int  # lines merged into an earlier edge between the same genes


def read_network(path: Path | str, header: bool | None = None) -> Network:
    """The network of an edge list. header=None takes the first line for a header when its weight is not a
    number; a two-column file's header must then start with '#', or be declared with header=True."""
    lines = [(n, line) for n, line in enumerate(read_lines(path, "network"), start=1)
             if line.strip() and not line.startswith("#")]
    if not lines:
        raise InputError(f"{path}: network file has no edges")
    split = _splitter(lines[0][1])
    if header is None:
        first = split(lines[0][1])
        header = len(first) == 3 and not is_number(first[2])
    genes, rows, columns, weights, self_loops = {}, [], [], [], 0
    for line_number, line in lines[1:] if header else lines:
        fields = split(line)
        if len(fields) not in (2, 3) or not all(fields):
            raise InputError(f"{path}: line {line_number}: expected gene_a, gene_b and an optional weight, "
                             f"not {line!r}")
        weight = _weight(path, line_number, fields)
        if fields[0] == fields[1]:
            self_loops += 1
            continue
        a, b = (genes.setdefault(gene, len(genes)) for gene in fields[:2])
        rows.append(min(a, b))
        columns.append(max(a, b))
        weights.append(weight)
    rows, columns, weights = np.array(rows, np.int64), np.array(columns, np.int64), np.array(weights)
    pair = rows * len(genes) + columns
    order = np.argsort(pair, kind="stable")
    unique, starts = np.unique(pair[order], return_index=True)
    strongest = np.maximum.reduceat(weights[order], starts) if len(starts) else weights
    upper = sparse.coo_matrix((strongest, (unique // len(genes), unique % len(genes))),
                              shape=(len(genes), len(genes)))
    return Network(path=str(path), genes=list(genes), adjacency=(upper + upper.T).tocsr(), self_loops=self_loops,
                   merged=len(pair) - len(unique))


def aligned(network: Network, genes: list[str]) -> sparse.csr_matrix:
    """The network's adjacency over `genes` (e.g. an annotation matrix's rows); a gene absent from the network
    has no edges, and the network's genes absent from `genes` are left out."""
    position = {gene: i for i, gene in enumerate(network.genes)}
    present = [i for i, gene in enumerate(genes) if gene in position]
    selection = sparse.csr_matrix((np.ones(len(present)), ([position[genes[i]] for i in present], present)),
                                  shape=(len(network.genes), len(genes)))
    return (selection.T @ network.adjacency @ selection).tocsr()


RESTART = 0.3  # the random walk's chance of stopping at each step


def walk_shares(adjacency: sparse.spmatrix, labels: np.ndarray, known: np.ndarray, prior: np.ndarray,
                restart: float = RESTART, prior_weight: float = 0.0) -> np.ndarray:
    """genes x terms (float32): for each gene, each term's share of the annotated genes that a random walk from
    the gene reaches (guilt by association over several steps, as in label propagation): the walk reaches the
    gene's neighbours with their edge-weighted shares, then theirs, and so on, each further step counting
    (1 - restart) times the one before; a gene reached by several paths counts for each. restart=1 gives the
    direct neighbours' share. `labels` (genes x terms, 0/1) count only for the `known` genes (bool per gene);
    the term frequencies `prior` count as `prior_weight` more of the gene's neighbourhood, so a gene that
    reaches no known gene gets the prior. A walk from a known gene can come back to it, so its own terms count
    in its shares."""
    transition = sparse.csr_matrix(adjacency, dtype=np.float32)
    degree = np.asarray(transition.sum(1)).ravel()
    transition = (sparse.diags(np.divide(1, degree, out=np.zeros_like(degree), where=degree > 0)) @ transition)
    start = np.hstack([np.asarray(labels, np.float32) * known[:, None], known[:, None]], dtype=np.float32)
    reached = np.zeros_like(start)
    # Longer paths count for less than 1% of the walk: each step costs a pass over every edge and term.
    steps = 1 if restart == 1 else math.ceil(math.log(0.01) / math.log(1 - restart))
    for _ in range(steps):
        reached = transition @ (start + (1 - restart) * reached)
    annotated = reached[:, -1:] + prior_weight
    return np.divide(reached[:, :-1] + prior_weight * np.asarray(prior, np.float32), annotated,
                     out=np.broadcast_to(np.asarray(prior, np.float32), reached[:, :-1].shape).copy(),
                     where=annotated > 0)


def _splitter(first_line):
    delimiter = "\t" if "\t" in first_line else "," if "," in first_line else None
    return lambda line: [field.strip() for field in line.split(delimiter)]


def _weight(path, line_number, fields):
    if len(fields) == 2:
        return 1.0
    weight = float(fields[2]) if is_number(fields[2]) else math.nan
    if not 0 <= weight < math.inf:
        raise InputError(f"{path}: line {line_number}: weight {fields[2]!r} is not a non-negative number")
    return weight
