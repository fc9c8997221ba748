"""Gene annotations: each gene's name, contig, strand, span and exons, from SpliceAI's gene tables, GTF or GFF3
files (plain or gzipped; the format is told from the contents, as platforms name datasets as they like).

Coordinates are 1-based and inclusive, as in GTF and GFF3; SpliceAI's tables, whose starts are 0-based as UCSC's
(TX_START, EXON_START), are shifted on reading, as SpliceAI shifts them. A gene of a GTF or GFF3 spans its gene
line (or, without one, all its lines), and its exons are those of all its transcripts; genes without a strand
(+ or -) are left out.
"""

import functools
import gzip
import re
import urllib.parse
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genotools.errors import InputError
from genotools.io.compressed import is_gzip

SPLICEAI_COLUMNS = ("#NAME", "CHROM", "STRAND", "TX_START", "TX_END", "EXON_START", "EXON_END")
GFF3_GENES = {"gene", "ncRNA_gene", "pseudogene"}  # the feature types of genes in Ensembl's and RefSeq's GFF3
WHAT_TO_GIVE = (f"give SpliceAI's gene table (columns {' '.join(SPLICEAI_COLUMNS)}, as spliceai/annotations/"
                "grch38.txt in its wheel), a GTF or a GFF3")
_GTF_ATTRIBUTE = re.compile(r'\s*([^\s;"]+)\s+(?:"([^"]*)"|([^\s;"]+))\s*(?:;|$)')


@dataclass(frozen=True)
class Gene:
    name: str
    chrom: str
    strand: str  # + or -
    start: int  # first base, 1-based
    end: int  # last base, inclusive
    exons: tuple[tuple[int, int], ...]  # (first base, last base) of each distinct exon, sorted

    @functools.cached_property
    def exon_boundaries(self) -> np.ndarray:
        """The sorted distinct first and last bases of its exons."""
        return np.unique(np.array(self.exons, dtype=np.int64).reshape(-1))


def read_genes(path: Path | str) -> list[Gene]:
    """The genes of SpliceAI's gene table, a GTF or a GFF3, in the file's order."""
    lines = _numbered_lines(path)
    first = next(((number, line) for number, line in lines if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: the gene file is empty; {WHAT_TO_GIVE}")
    number, line = first
    if line.startswith("##gff-version 3"):
        return _read_gff3(path, lines)
    if "#NAME" in line.split("\t"):
        return _read_spliceai_table(path, line, lines)
    while line.startswith("#") or not line.strip():
        number, line = next(lines, (number, None))
        if line is None:
            raise InputError(f"{path}: has comment lines only; {WHAT_TO_GIVE}")
    fields = line.split("\t")
    if len(fields) == 9 and _GTF_ATTRIBUTE.match(fields[8]) and "=" not in fields[8].split(";")[0]:
        return _read_gtf(path, [(number, line)], lines)
    if len(fields) == 9 and "=" in fields[8]:
        return _read_gff3(path, [(number, line)], lines)
    raise InputError(f"{path}: line {number}: not a line of a gene table, GTF or GFF3; {WHAT_TO_GIVE}")


class GeneIndex:
    """The genes that overlap a position, in the order they were given."""

    def __init__(self, genes: list[Gene]) -> None:
        self.genes = genes
        by_chrom = {}
        for index, gene in enumerate(genes):
            by_chrom.setdefault(gene.chrom, []).append((gene.start, gene.end, index))
        self._spans = {chrom: np.array(spans, dtype=np.int64).reshape(-1, 3) for chrom, spans in by_chrom.items()}

    @property
    def chroms(self) -> list[str]:
        return list(self._spans)

    def at(self, chrom: str | None, pos: int) -> list[Gene]:
        """The genes on `chrom` (None: a contig the genes do not name) whose span holds the 1-based position
        `pos`."""
        spans = self._spans.get(chrom)
        if spans is None:
            return []
        hits = spans[(spans[:, 0] <= pos) & (pos <= spans[:, 1]), 2]
        return [self.genes[index] for index in hits]


def _numbered_lines(path):
    """(line number, line without its end) of a text file, plain or gzipped, read as it is needed."""
    if not Path(path).is_file():
        raise InputError(f"{path}: gene file not found")
    handle = (gzip.open if is_gzip(path) else open)(path, "rt", encoding="utf-8-sig", newline=None)

    def lines():
        try:
            with handle:
                for number, line in enumerate(handle, start=1):
                    yield number, line.rstrip("\n")
        except (OSError, EOFError, UnicodeDecodeError, zlib.error) as error:
            raise InputError(f"{path}: cannot read the gene file ({error})") from None

    return lines()


def _whole_number(text, path, number, column):
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{path}: line {number}: {column} {text!r} is not a whole number; {WHAT_TO_GIVE}") from None


def _strand(text, path, number):
    if text not in ("+", "-"):
        raise InputError(f"{path}: line {number}: strand {text!r} is neither + nor -")
    return text


def _read_spliceai_table(path, header_line, lines):
    header = header_line.split("\t")
    missing = [column for column in SPLICEAI_COLUMNS if column not in header]
    if missing:
        raise InputError(f"{path}: line 1: the header lacks {', '.join(missing)}; {WHAT_TO_GIVE}")
    columns = [header.index(column) for column in SPLICEAI_COLUMNS]
    genes = []
    for number, line in lines:
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputError(f"{path}: line {number}: {len(fields)} columns where the header names {len(header)}")
        name, chrom, strand, tx_start, tx_end, exon_starts, exon_ends = (fields[i] for i in columns)
        starts = [_whole_number(value, path, number, "EXON_START") + 1 for value in _exon_list(exon_starts)]
        ends = [_whole_number(value, path, number, "EXON_END") for value in _exon_list(exon_ends)]
        if len(starts) != len(ends):
            raise InputError(f"{path}: line {number}: {len(starts)} EXON_START values but {len(ends)} EXON_END")
        genes.append(Gene(name, chrom, _strand(strand, path, number),
                          _whole_number(tx_start, path, number, "TX_START") + 1,
                          _whole_number(tx_end, path, number, "TX_END"), tuple(sorted(set(zip(starts, ends))))))
    return genes


def _exon_list(text):
    """The values of a comma-separated list, which SpliceAI's tables (like UCSC's) end with a comma."""
    return [value for value in text.strip().removesuffix(",").split(",") if value] if text.strip() else []


def _features(path, lines) -> Iterator[tuple[int, list[str]]]:
    """(line number, its 9 columns) of the feature lines of a GTF or GFF3."""
    for number, line in lines:
        if line.startswith("##FASTA"):
            return
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 9:
            raise InputError(f"{path}: line {number}: {len(fields)} tab-separated columns where GTF and GFF3 have 9")
        yield number, fields


@dataclass
class _Found:
    """A gene as the lines of a GTF or GFF3 so far describe it."""

    name: str
    chrom: str
    strand: str
    start: int
    end: int
    has_gene_line: bool = False
    exons: set = field(default_factory=set)


class _Genes:
    """Genes gathered from the lines of a GTF or GFF3, in the order they first appear."""

    def __init__(self, path):
        self.path, self.found = path, {}  # gene id -> _Found

    def line(self, number, gene_id, fields, name=None, is_gene=False):
        """Note a line of gene `gene_id`: its span is its gene line's, or else that of all its lines."""
        chrom, strand = fields[0], fields[6]
        start, end = (_whole_number(fields[column], self.path, number, what) for column, what in ((3, "start"),
                                                                                                (4, "end")))
        gene = self.found.setdefault(gene_id, _Found(gene_id, chrom, strand, start, end))
        if is_gene:
            gene.name, gene.chrom, gene.strand, gene.start, gene.end = name or gene_id, chrom, strand, start, end
            gene.has_gene_line = True
        elif not gene.has_gene_line:
            gene.start, gene.end = min(gene.start, start), max(gene.end, end)
        return gene

    def exon(self, number, gene_id, fields):
        gene = self.line(number, gene_id, fields)
        gene.exons.add((int(fields[3]), int(fields[4])))

    def genes(self):
        return [Gene(gene.name, gene.chrom, gene.strand, gene.start, gene.end, tuple(sorted(gene.exons)))
                for gene in self.found.values() if gene.strand in ("+", "-")]


def _read_gtf(path, *line_sources):
    genes = _Genes(path)
    for source in line_sources:
        for number, fields in _features(path, source):
            attributes = {key: quoted or bare for key, quoted, bare in _GTF_ATTRIBUTE.findall(fields[8])}
            gene_id = attributes.get("gene_id")
            if gene_id is None:
                if fields[2] in ("gene", "transcript", "exon"):
                    raise InputError(f"{path}: line {number}: a {fields[2]} line without a gene_id attribute")
                continue
            if fields[2] == "gene":
                genes.line(number, gene_id, fields, attributes.get("gene_name"), is_gene=True)
            elif fields[2] == "exon":
                genes.exon(number, gene_id, fields)
            else:
                genes.line(number, gene_id, fields)
            if "gene_name" in attributes:  # GTFs without gene lines name the gene on its other lines
                genes.found[gene_id].name = attributes["gene_name"]
    return genes.genes()


def _read_gff3(path, *line_sources):
    genes = _Genes(path)
    parents, exons = {}, []  # feature id -> its parents' ids; (line number, parent ids, fields) of each exon
    for source in line_sources:
        for number, fields in _features(path, source):
            attributes = dict(_gff3_attribute(part) for part in fields[8].split(";") if "=" in part)
            feature_id, parent = attributes.get("ID"), attributes.get("Parent")
            if fields[2] in GFF3_GENES and feature_id:
                name = attributes.get("Name") or attributes.get("gene_name") or attributes.get("gene_id")
                genes.line(number, feature_id, fields, name, is_gene=True)
            elif fields[2] == "exon" and parent:
                exons.append((number, parent.split(","), fields))
            elif feature_id and parent:
                parents[feature_id] = parent.split(",")
    for number, exon_parents, fields in exons:
        for gene_id in {gene for parent in exon_parents for gene in _ancestor_genes(parent, parents, genes.found)}:
            genes.exon(number, gene_id, fields)
    return genes.genes()


def _gff3_attribute(part):
    key, _, value = part.strip().partition("=")
    return key, urllib.parse.unquote(value)


def _ancestor_genes(feature, parents, genes, depth=0):
    """The genes that `feature` (an exon's parent) belongs to, through its chain of parents."""
    if feature in genes:
        return [feature]
    if depth > 8:  # a cycle of Parent attributes
        return []
    return [gene for parent in parents.get(feature, []) for gene in _ancestor_genes(parent, parents, genes, depth + 1)]
