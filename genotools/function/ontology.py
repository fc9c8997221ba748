"""The Gene Ontology from an OBO file, and keeping scores consistent with it.

Only [Term] stanzas are read. A term's parents are its `is_a` and `relationship: part_of` terms of the same aspect:
as in CAFA, an annotation is propagated within its aspect only, so a part_of edge from one aspect to another
(e.g. a molecular function part_of a process, about a thousand in GO) is dropped and listed in
`Ontology.cross_aspect`. Other relationships (regulates, has_part, occurs_in ...) are not followed.
"""

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

from genotools.errors import InputError
from genotools.io.text import read_lines

ASPECTS = {"biological_process": "BP", "molecular_function": "MF", "cellular_component": "CC"}
TAGS = ("id", "name", "namespace", "is_a", "relationship", "is_obsolete", "replaced_by", "alt_id")  # the ones read


class Ontology:
    """Live terms in topological order (a term after all its parents), so a term's index is above its parents'.

    ids, names, aspects  per term; aspects are BP, MF or CC
    parents              per term, the indices of its parents (an int array)
    index                {live term id: index}
    aliases              {alt_id, or obsolete id with a live replacement: the live id}
    obsolete             obsolete ids without a live replacement
    cross_aspect         (term, parent) part_of edges dropped because they cross aspects
    """

    def __init__(self, path: Path | str, ids: list[str], names: list[str], aspects: list[str],
                 parents: list[np.ndarray], aliases: dict[str, str], obsolete: set[str],
                 cross_aspect: Iterable[tuple[str, str]] = ()) -> None:
        self.path, self.ids, self.names, self.aspects, self.parents = str(path), ids, names, aspects, parents
        self.index = {term: i for i, term in enumerate(ids)}
        self.aliases, self.obsolete, self.cross_aspect = aliases, obsolete, list(cross_aspect)

    def __len__(self):
        return len(self.ids)

    def live(self, term: str) -> str | None:
        """The live id of a term id, alt_id or replaced obsolete id; None for an obsolete or unknown one."""
        return term if term in self.index else self.aliases.get(term)

    def roots(self) -> list[int]:
        return [i for i, parents in enumerate(self.parents) if len(parents) == 0]

    @cached_property
    def closure(self) -> sparse.csr_matrix:
        """terms x terms CSR, boolean: row t marks t and all its ancestors."""
        ancestors = []
        for i, parents in enumerate(self.parents):
            ancestors.append(np.unique(np.concatenate([[i], *(ancestors[p] for p in parents)])).astype(np.int32))
        rows = np.repeat(np.arange(len(self)), [len(a) for a in ancestors])
        columns = np.concatenate(ancestors) if ancestors else np.empty(0, np.int32)
        return sparse.csr_matrix((np.ones(len(rows), bool), (rows, columns)), shape=(len(self), len(self)))

    def restrict(self, terms: Iterable[str]) -> "Ontology":
        """The ontology of `terms` (ids), which must include all their ancestors; in topological order."""
        keep = np.sort([self.index[term] for term in terms])
        missing = set(self.closure[keep].indices) - set(keep.tolist())
        if missing:
            raise ValueError(f"cannot restrict {self.path} to terms without their ancestors "
                             f"(e.g. {self.ids[min(missing)]})")
        new_index = {old: new for new, old in enumerate(keep.tolist())}
        ids = [self.ids[i] for i in keep]
        kept = set(ids)
        return Ontology(self.path, ids, [self.names[i] for i in keep], [self.aspects[i] for i in keep],
                        [np.array([new_index[p] for p in self.parents[i]], dtype=np.int64) for i in keep],
                        {old: live for old, live in self.aliases.items() if live in kept}, self.obsolete)


def consistent_scores(scores: np.ndarray, ontology: Ontology) -> np.ndarray:
    """genes x terms scores (terms in `ontology`'s order) where each term scores the maximum of its own and its
    descendants' scores, so a parent never scores below its child. Children are visited before parents, each
    raising its parents to its score, which by then is already the maximum over its own descendants."""
    by_term = np.array(scores, dtype=np.float64, order="F").T  # terms x genes: one contiguous row per term
    for term in range(len(ontology) - 1, -1, -1):
        parents = ontology.parents[term]
        if len(parents):
            by_term[parents] = np.maximum(by_term[parents], by_term[term])
    return by_term.T


def read_obo(path: Path | str) -> Ontology:
    """The live terms of an OBO file (plain or gzipped), with alt_ids and replaced obsolete terms mapped to them.
    An obsolete term with several replaced_by tags is mapped to the first; chains of replacements are followed."""
    stanzas = _term_stanzas(path)
    lines = {}
    for line_number, tags in stanzas:
        term = tags["id"][0]
        if term in lines:
            raise InputError(f"{path}: line {line_number}: term {term} is already defined on line {lines[term]}")
        lines[term] = line_number
    live = [(line_number, tags) for line_number, tags in stanzas if tags.get("is_obsolete") != ["true"]]
    aspect_of = {tags["id"][0]: _aspect(path, line_number, tags) for line_number, tags in live}
    aliases = {alt: tags["id"][0] for _, tags in live for alt in tags.get("alt_id", [])}
    replaced_by = {tags["id"][0]: tags.get("replaced_by", [None])[0] for _, tags in stanzas
                   if tags.get("is_obsolete") == ["true"]}
    obsolete = set()
    for term in replaced_by:
        replacement = _follow(term, replaced_by, aliases)
        if replacement in aspect_of:
            aliases[term] = replacement
        else:
            obsolete.add(term)
    parents, cross_aspect = _parents_in_aspect(path, live, aspect_of, lines)
    order = _topological_order(path, parents, lines)
    index = {term: i for i, term in enumerate(order)}
    names = {tags["id"][0]: tags.get("name", [""])[0] for _, tags in live}
    return Ontology(path, order, [names[term] for term in order], [aspect_of[term] for term in order],
                    [np.array(sorted({index[p] for p in parents[term]}), dtype=np.int64) for term in order],
                    aliases, obsolete, cross_aspect)


def _parents_in_aspect(path, live, aspect_of, lines):
    """({term: its parents of the same aspect}, [(term, parent) of another aspect])."""
    parents, cross_aspect = {}, []
    for line_number, tags in live:
        term = tags["id"][0]
        parents[term] = []
        for parent in _parents(path, line_number, tags):
            if parent not in aspect_of:
                problem = "an obsolete term" if parent in lines else "not a term of the file"
                raise InputError(f"{path}: line {line_number}: term {term} has parent {parent}, {problem}")
            if aspect_of[parent] == aspect_of[term]:
                parents[term].append(parent)
            else:
                cross_aspect.append((term, parent))
    return parents, cross_aspect


def _follow(term, replaced_by, aliases):
    """The end of a chain of replacements of an obsolete term (None where the chain ends or loops)."""
    seen = {term}
    while term in replaced_by:
        term = replaced_by[term]
        if term is None or term in seen:
            return None
        seen.add(term)
    return aliases.get(term, term)


def _term_stanzas(path):
    """[(line number of [Term], {tag: [values]})] for the tags read; a value is its first word but for names
    and relationships."""
    stanzas, tags = [], None
    for line_number, line in enumerate(read_lines(path, "OBO ontology"), start=1):
        if line.startswith("["):
            tags = {} if line.strip() == "[Term]" else None
            if tags is not None:
                stanzas.append((line_number, tags))
        elif tags is not None:
            tag, colon, value = line.partition(":")
            if tag in TAGS:
                tags.setdefault(tag, []).append(value.strip() if tag in ("name", "relationship") else
                                                _first_word(value))
            elif not colon and line.strip() and not line.startswith("!"):
                raise InputError(f"{path}: line {line_number}: expected 'tag: value' in a [Term] stanza, "
                                 f"not {line!r}")
    if not stanzas:
        raise InputError(f"{path}: no [Term] stanza; is this an OBO ontology?")
    for line_number, tags in stanzas:
        if len(tags.get("id", [])) != 1 or not tags["id"][0]:
            raise InputError(f"{path}: line {line_number}: a [Term] needs one id, this one has "
                             f"{len(tags.get('id', []))}")
    return stanzas


def _first_word(value):
    words = value.split(None, 1)
    return words[0] if words else ""


def _aspect(path, line_number, tags):
    namespace = tags.get("namespace", [""])[0]
    if namespace not in ASPECTS:
        raise InputError(f"{path}: line {line_number}: term {tags['id'][0]} has namespace {namespace!r}, "
                         f"not one of {', '.join(ASPECTS)}")
    return ASPECTS[namespace]


def _parents(path, line_number, tags):
    parents = list(tags.get("is_a", []))
    for value in tags.get("relationship", []):
        words = value.split()
        if len(words) < 2:
            raise InputError(f"{path}: line {line_number}: relationship {value!r} of term {tags['id'][0]} "
                             "needs a type and a term")
        if words[0] == "part_of":
            parents.append(words[1])
    if "" in parents:
        raise InputError(f"{path}: line {line_number}: term {tags['id'][0]} has an empty is_a")
    return parents


def _topological_order(path, parents, lines):
    """Terms each after all its parents (Kahn's algorithm)."""
    waiting = {term: len(set(term_parents)) for term, term_parents in parents.items()}
    children = {term: [] for term in parents}
    for term, term_parents in parents.items():
        for parent in set(term_parents):
            children[parent].append(term)
    ready = [term for term, count in waiting.items() if count == 0]
    order = []
    while ready:
        term = ready.pop()
        order.append(term)
        for child in children[term]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) < len(parents):
        term = min((t for t, count in waiting.items() if count > 0), key=lines.get)
        raise InputError(f"{path}: line {lines[term]}: term {term} is in or below a cycle of is_a/part_of parents")
    return order
