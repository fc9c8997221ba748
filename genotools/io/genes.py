"""Gene annotations: each gene's name, contig, strand, span and exons, from SpliceAI's gene tables, GTF or GFF3
files (plain or gzipped; the format is told from the contents, as platforms name datasets as they like); and the
protein-coding transcripts of a GTF or GFF3, with their exons, coding span and phase.

Coordinates are 1-based and inclusive, as in GTF and GFF3; SpliceAI's tables, whose starts are 0-based as UCSC's
(TX_START, EXON_START), are shifted on reading, as SpliceAI shifts them. A gene of a GTF or GFF3 spans its gene
line (or, without one, all its lines), and its exons are those of all its transcripts; genes without a strand
(+ or -) are left out.
"""

import functools
import gzip
import itertools
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
CODING_TO_GIVE = "give a GTF or a GFF3 with CDS lines, as Ensembl, GENCODE and RefSeq write them"
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


@dataclass(frozen=True)
class Transcript:
    """A protein-coding transcript."""

    id: str
    gene: str  # its gene's name
    protein: str  # its protein's id; the transcript's own where the annotation names none
    chrom: str
    strand: str
    exons: tuple[tuple[int, int], ...]  # (first base, last base) of each exon, sorted by position
    coding: tuple[int, int]  # the first and last base of its coding sequence, the stop codon included
    phase: int  # bases at the 5' end of the coding sequence before its first whole codon (where it is incomplete)

    @property
    def start(self) -> int:
        return self.exons[0][0]

    @property
    def end(self) -> int:
        return self.exons[-1][1]


def read_genes(path: Path | str) -> list[Gene]:
    """The genes of SpliceAI's gene table, a GTF or a GFF3, in the file's order."""
    kind, lines = _sniff(path, WHAT_TO_GIVE)
    return {"gff3": _read_gff3, "gtf": _read_gtf, "spliceai": _read_spliceai_table}[kind](path, lines)


def _sniff(path, what_to_give):
    """(the file's format: gff3, gtf or spliceai; its numbered lines, from the first that tells)."""
    lines = _numbered_lines(path)
    first = next(((number, line) for number, line in lines if line.strip()), None)
    if first is None:
        raise InputError(f"{path}: the gene file is empty; {what_to_give}")
    number, line = first
    if line.startswith("##gff-version 3"):
        return "gff3", lines
    if "#NAME" in line.split("\t"):
        return "spliceai", itertools.chain([first], lines)
    while line.startswith("#") or not line.strip():
        number, line = next(lines, (number, None))
        if line is None:
            raise InputError(f"{path}: has comment lines only; {what_to_give}")
    fields = line.split("\t")
    if len(fields) == 9 and _GTF_ATTRIBUTE.match(fields[8]) and "=" not in fields[8].split(";")[0]:
        return "gtf", itertools.chain([(number, line)], lines)
    if len(fields) == 9 and "=" in fields[8]:
        return "gff3", itertools.chain([(number, line)], lines)
    raise InputError(f"{path}: line {number}: not a line of a gene table, GTF or GFF3; {what_to_give}")


class GeneIndex:
    """The genes (or transcripts) that overlap a position or a span, in the order they were given."""

    def __init__(self, genes: list[Gene] | list[Transcript]) -> None:
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
        return self.overlapping(chrom, pos, pos)

    def overlapping(self, chrom: str | None, first: int, last: int) -> list:
        """The genes on `chrom` whose span shares a base with the 1-based bases `first` to `last`."""
        spans = self._spans.get(chrom)
        if spans is None:
            return []
        hits = spans[(spans[:, 0] <= last) & (first <= spans[:, 1]), 2]
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


def _read_spliceai_table(path, lines):
    header = next(lines)[1].split("\t")
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


def _read_gtf(path, lines):
    genes = _Genes(path)
    for number, fields in _features(path, lines):
        attributes = _gtf_attributes(fields[8])
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


def _gtf_attributes(text):
    return {key: quoted or bare for key, quoted, bare in _GTF_ATTRIBUTE.findall(text)}


def _read_gff3(path, lines):
    genes = _Genes(path)
    parents, exons = {}, []  # feature id -> its parents' ids; (line number, parent ids, fields) of each exon
    for number, fields in _features(path, lines):
        attributes = _gff3_attributes(fields[8])
        feature_id, parent = attributes.get("ID"), attributes.get("Parent")
        if fields[2] in GFF3_GENES and feature_id:
            genes.line(number, feature_id, fields, _gff3_gene_name(attributes), is_gene=True)
        elif fields[2] == "exon" and parent:
            exons.append((number, parent.split(","), fields))
        elif feature_id and parent:
            parents[feature_id] = parent.split(",")
    for number, exon_parents, fields in exons:
        for gene_id in {gene for parent in exon_parents for gene in _ancestor_genes(parent, parents, genes.found)}:
            genes.exon(number, gene_id, fields)
    return genes.genes()


def _gff3_attributes(text):
    return {key: urllib.parse.unquote(value) for key, _, value in
            (part.strip().partition("=") for part in text.split(";") if "=" in part)}


def _gff3_gene_name(attributes):
    return attributes.get("Name") or attributes.get("gene_name") or attributes.get("gene_id")


def _ancestor_genes(feature, parents, genes, depth=0):
    """The genes that `feature` (an exon's parent) belongs to, through its chain of parents."""
    if feature in genes:
        return [feature]
    if depth > 8:  # a cycle of Parent attributes
        return []
    return [gene for parent in parents.get(feature, []) for gene in _ancestor_genes(parent, parents, genes, depth + 1)]


def read_transcripts(path: Path | str) -> list[Transcript]:
    """The protein-coding transcripts (those with CDS lines) of a GTF or GFF3, in the order of their first line;
    those without a strand are left out. A GTF's stop_codon lines join its CDS lines: GTF's CDS ends before the stop
    codon, GFF3's after it."""
    kind, lines = _sniff(path, CODING_TO_GIVE)
    if kind == "spliceai":
        raise InputError(f"{path}: a SpliceAI gene table names no coding sequences; {CODING_TO_GIVE}")
    found = (_gtf_transcripts if kind == "gtf" else _gff3_transcripts)(path, lines)
    transcripts = [transcript.built(path) for transcript in found.values()
                   if transcript.cds and transcript.strand in ("+", "-")]
    if not transcripts:
        raise InputError(f"{path}: holds no CDS line on the + or - strand; {CODING_TO_GIVE}")
    return transcripts


@dataclass
class _Coding:
    """A transcript as the lines of a GTF or GFF3 so far describe it."""

    id: str
    gene: str
    chrom: str
    strand: str
    protein: str | None = None
    exons: set = field(default_factory=set)
    cds: list = field(default_factory=list)  # (first base, last base, phase)

    def add(self, path, number, fields, protein):
        if (fields[0], fields[6]) != (self.chrom, self.strand):
            raise InputError(f"{path}: line {number}: transcript {self.id} lies on {self.chrom} {self.strand} in "
                             f"its other lines, here on {fields[0]} {fields[6]}")
        start, end = (_whole_number(fields[column], path, number, what) for column, what in ((3, "start"),
                                                                                           (4, "end")))
        if fields[2] == "exon":
            self.exons.add((start, end))
            return
        if fields[7] not in ("0", "1", "2", "."):
            raise InputError(f"{path}: line {number}: phase {fields[7]!r} of a {fields[2]} line is not 0, 1 or 2")
        self.cds.append((start, end, int(fields[7]) if fields[7] != "." else 0))
        self.protein = self.protein or protein

    def built(self, path):
        cds = sorted(self.cds)
        exons = tuple(sorted(self.exons)) or tuple((start, end) for start, end, _ in cds)
        for start, end, _ in cds:
            if not any(first <= start and end <= last for first, last in exons):
                raise InputError(f"{path}: transcript {self.id}: its coding bases {start}-{end} lie outside its "
                                 "exons")
        phase = (cds[0] if self.strand == "+" else cds[-1])[2]
        return Transcript(self.id, self.gene, self.protein or self.id, self.chrom, self.strand, exons,
                          (cds[0][0], cds[-1][1]), phase)


_CODING_PARTS = ("exon", "CDS", "stop_codon")


def _gtf_transcripts(path, lines):
    found = {}
    for number, fields in _features(path, lines):
        if fields[2] not in _CODING_PARTS:
            continue
        attributes = _gtf_attributes(fields[8])
        transcript_id = attributes.get("transcript_id")
        if transcript_id is None:
            raise InputError(f"{path}: line {number}: a {fields[2]} line without a transcript_id attribute")
        gene = attributes.get("gene_name") or attributes.get("gene_id") or transcript_id
        transcript = found.setdefault(transcript_id, _Coding(transcript_id, gene, fields[0], fields[6]))
        transcript.add(path, number, fields, attributes.get("protein_id"))
    return found


def _gff3_transcripts(path, lines):
    features, parts = {}, []  # feature id -> its attributes; (line number, fields, attributes) of exons and CDS
    for number, fields in _features(path, lines):
        attributes = _gff3_attributes(fields[8])
        if fields[2] in _CODING_PARTS:
            parts.append((number, fields, attributes))
        elif "ID" in attributes:
            features[attributes["ID"]] = attributes
    found = {}
    for number, fields, attributes in parts:
        for parent in filter(None, attributes.get("Parent", "").split(",")):
            transcript = features.get(parent, {})
            gene_id = transcript.get("Parent", "").split(",")[0]
            if parent not in found:
                # Ensembl prefixes its IDs with their type (transcript:ENST...); RefSeq names the transcript apart
                transcript_id = transcript.get("transcript_id") or parent.removeprefix("transcript:")
                gene = _gff3_gene_name(features.get(gene_id, {})) or gene_id.removeprefix("gene:") or transcript_id
                found[parent] = _Coding(transcript_id, gene, fields[0], fields[6])
            found[parent].add(path, number, fields, attributes.get("protein_id"))
    return found
