"""Gene Ontology annotations of genes, from a GAF 2.x file or a two-column gene -> term table.

Annotations of one aspect (BP, MF or CC) become a genes x terms boolean matrix, propagated up the ontology
(true-path rule: a gene annotated with a term is annotated with all its ancestors). Alt_ids and obsolete terms
with a replacement are mapped to their live term; obsolete terms without one, and terms the ontology lacks, are
left out and reported.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from genotools.errors import InputError
from genotools.function.ontology import Ontology
from genotools.io.text import read_lines

GAF_ASPECTS = {"P": "BP", "F": "MF", "C": "CC"}
GAF_IDENTIFIERS = {"symbol": 2, "id": 1}  # column 3 (DB object symbol) or 2 (DB object id), counted from 0
GAF_COLUMNS = 15  # GAF 2.x lines have 17 columns; the last two (extensions, isoform) are optional


@dataclass
class Annotations:
    """matrix[g, t] is true when genes[g] is annotated with terms[t] or one of its descendants. Genes in the
    order first seen; terms are those annotating at least one gene, in the ontology's (topological) order."""
    path: str
    aspect: str
    genes: list
    terms: list
    matrix: sparse.csr_matrix
    reported: dict = field(default_factory=dict)  # {what: sorted terms} left out or mapped, for `summarise`
    dropped: dict = field(default_factory=dict)  # {why: number of lines}


def read_annotations(path: Path | str, ontology: Ontology, aspect: str,
                     drop_evidence: Iterable[str] = ()) -> Annotations:
    """The annotations of one aspect in a GAF file or a gene-term table, told apart by their first line: a GAF
    file starts with '!gaf-version', or has at least 15 tab-separated columns. Evidence codes are only in GAF."""
    if is_gaf(path):
        return read_gaf(path, ontology, aspect, drop_evidence=set(drop_evidence))
    if drop_evidence:
        raise InputError(f"{path}: a gene-term table has no evidence codes to drop; give a GAF file, or leave out "
                         "--evidence-drop")
    return read_gene_terms(path, ontology, aspect)


def is_gaf(path: Path | str) -> bool:
    first = next((line for line in read_lines(path, "annotation") if line.strip()), "")
    return first.startswith("!gaf-version") or len(first.split("\t")) >= GAF_COLUMNS


def read_gaf(path: Path | str, ontology: Ontology, aspect: str, identifier: str = "symbol",
             keep_evidence: Collection[str] | None = None, drop_evidence: Collection[str] = ()) -> Annotations:
    """The annotations of one aspect in a GAF 2.x file (plain or gzipped). Genes are named by their symbol
    (column 3), as expression tables name them, or by their database id (column 2) with identifier="id".
    Lines with a NOT qualifier are dropped, and so are lines whose evidence code (column 7) is not in
    `keep_evidence` (when given) or is in `drop_evidence` (e.g. {"IEA"}); the aspect is column 9's."""
    if aspect not in GAF_ASPECTS.values():
        raise ValueError(f"aspect must be one of {', '.join(GAF_ASPECTS.values())}, not {aspect!r}")
    if identifier not in GAF_IDENTIFIERS:
        raise ValueError(f"identifier must be one of {', '.join(GAF_IDENTIFIERS)}, not {identifier!r}")
    pairs, dropped = [], {"NOT qualifier": 0, "evidence code": 0}
    for line_number, line in enumerate(read_lines(path, "GAF annotation"), start=1):
        if line.startswith("!") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < GAF_COLUMNS:
            raise InputError(f"{path}: line {line_number}: {len(fields)} tab-separated columns; a GAF line has "
                             f"at least {GAF_COLUMNS}")
        gene, term, evidence, line_aspect = (fields[i].strip() for i in (GAF_IDENTIFIERS[identifier], 4, 6, 8))
        if not gene or not term or not evidence or line_aspect not in GAF_ASPECTS:
            raise InputError(f"{path}: line {line_number}: a GAF line needs a gene {identifier} (column "
                             f"{GAF_IDENTIFIERS[identifier] + 1}), a GO id (5), an evidence code (7) and an "
                             f"aspect P, F or C (9)")
        if GAF_ASPECTS[line_aspect] != aspect:
            continue
        if "NOT" in fields[3].split("|"):
            dropped["NOT qualifier"] += 1
        elif (keep_evidence is not None and evidence not in keep_evidence) or evidence in drop_evidence:
            dropped["evidence code"] += 1
        else:
            pairs.append((gene, term))
    return _annotations(path, ontology, aspect, pairs, dropped)


def read_gene_terms(path: Path | str, ontology: Ontology, aspect: str) -> Annotations:
    """The annotations of one aspect in a table of gene<TAB>term lines. The first line is a header when its
    term has no ':' (GO ids have one). Terms of the ontology's other aspects are left out and counted."""
    lines = [(n, line) for n, line in enumerate(read_lines(path, "gene-term"), start=1) if line.strip()]
    pairs, other_aspects = [], 0
    for line_number, line in lines:
        fields = [text.strip() for text in line.split("\t")]
        if len(fields) != 2 or not all(fields):
            raise InputError(f"{path}: line {line_number}: expected a gene and a term separated by a tab, "
                             f"not {line!r}")
        if line_number == lines[0][0] and ":" not in fields[1]:
            continue
        live = ontology.live(fields[1])
        if live is not None and ontology.aspects[ontology.index[live]] != aspect:
            other_aspects += 1
        else:
            pairs.append(tuple(fields))
    return _annotations(path, ontology, aspect, pairs, {"other aspects": other_aspects})


def _annotations(path, ontology, aspect, pairs, dropped):
    """Annotations of (gene, term) pairs, terms mapped to live ones, propagated up the ontology."""
    reported = {"obsolete terms without a replacement": set(), f"terms not in {ontology.path}": set(),
                "terms of another aspect in the ontology": set(), "terms mapped to their live term": set()}
    genes, rows, columns = {}, [], []
    for gene, term in pairs:
        live = ontology.live(term)
        if live is None:
            reported["obsolete terms without a replacement" if term in ontology.obsolete
                     else f"terms not in {ontology.path}"].add(term)
        elif ontology.aspects[ontology.index[live]] != aspect:
            reported["terms of another aspect in the ontology"].add(term)
        else:
            if live != term:
                reported["terms mapped to their live term"].add(f"{term} -> {live}")
            rows.append(genes.setdefault(gene, len(genes)))
            columns.append(ontology.index[live])
    if not rows:
        raise InputError(f"{path}: no {aspect} annotation of a term in {ontology.path} is left")
    direct = sparse.csr_matrix((np.ones(len(rows), bool), (rows, columns)), shape=(len(genes), len(ontology)))
    propagated = (direct @ ontology.closure).tocsc()
    annotated = np.flatnonzero(np.diff(propagated.indptr))
    return Annotations(path=str(path), aspect=aspect, genes=list(genes),
                       terms=[ontology.ids[i] for i in annotated], matrix=propagated[:, annotated].tocsr(),
                       reported={what: sorted(terms) for what, terms in reported.items() if terms},
                       dropped=dropped)
