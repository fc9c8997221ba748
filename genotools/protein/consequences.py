"""What a variant does to each protein-coding transcript it touches, named as VEP names it: its consequences
(Sequence Ontology terms, most severe first) and the protein change in HGVS (p.Arg175His).

The allele is put into the transcript's spliced sequence and the result translated from the start codon to the
first stop (through the 3' UTR where the stop is lost), so that an indel's effect on the protein does not depend
on how the VCF places it in a repeat. Protein changes follow HGVS: three-letter amino acids, deletions and
duplications at their most 3' position, frameshifts as p.Arg12GlyfsTer5 and stop losses as p.Ter394LeuextTer9
(counting the first changed residue as 1), a lost start codon as p.Met1?. Splice sites are the first and last two
bases of an intron; the splice region is the 3 exon bases and the intron bases 3 to 8 beside them. Contigs named
chrM, MT or M are translated with the vertebrate mitochondrial code, the others with the standard code.
"""

from dataclasses import dataclass
from itertools import product

from genotools.io.fasta import Reference, reverse_complement
from genotools.io.genes import Transcript
from genotools.protein.changes import AMINO_ACIDS, THREE_LETTER, Substitution

_CODONS = ["".join(codon) for codon in product("TCAG", repeat=3)]
STANDARD_CODE = dict(zip(_CODONS, "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"))
MITOCHONDRIAL_CODE = {**STANDARD_CODE, "AGA": "*", "AGG": "*", "ATA": "M", "TGA": "W"}  # NCBI table 2
MITOCHONDRIA = {"chrM", "chrMT", "MT", "M"}

# Sequence Ontology terms, most severe first, as VEP ranks them.
SEVERITY = ("splice_acceptor_variant", "splice_donor_variant", "stop_gained", "frameshift_variant", "stop_lost",
            "start_lost", "inframe_insertion", "inframe_deletion", "missense_variant", "splice_region_variant",
            "stop_retained_variant", "synonymous_variant", "coding_sequence_variant", "5_prime_UTR_variant",
            "3_prime_UTR_variant", "intron_variant")
_THREE = {one: three for three, one in THREE_LETTER.items()} | {"*": "Ter", "X": "Xaa"}


def translate(sequence: str, code: dict[str, str] = STANDARD_CODE, to_stop: bool = False) -> str:
    """The amino acids of the whole codons of `sequence` (X for a codon with another letter than A, C, G, T);
    with `to_stop`, up to and including the first stop (*)."""
    protein = []
    for start in range(0, len(sequence) - 2, 3):
        protein.append(code.get(sequence[start:start + 3], "X"))
        if to_stop and protein[-1] == "*":
            break
    return "".join(protein)


class TranscriptSequence:
    """A transcript's spliced sequence (5' to 3'), read once, with where its coding sequence lies in it."""

    def __init__(self, transcript: Transcript, reference: Reference, chrom: str) -> None:
        self.transcript = transcript
        minus = transcript.strand == "-"
        exons = transcript.exons[::-1] if minus else transcript.exons
        self._exons, offset = [], 0  # (first base, end) of each exon, 0-based half-open, with its offset
        for first, last in exons:
            self._exons.append((first - 1, last, offset))
            offset += last - first + 1
        spliced = "".join(reference.fetch(chrom, first - 1, last) for first, last in transcript.exons)
        self.sequence = reverse_complement(spliced) if minus else spliced
        coding_first, coding_last = transcript.coding
        self.cds_start = self.index((coding_last if minus else coding_first) - 1) + transcript.phase
        self.cds_end = self.index((coding_first if minus else coding_last) - 1) + 1
        self.code = MITOCHONDRIAL_CODE if chrom in MITOCHONDRIA else STANDARD_CODE
        self.protein = translate(self.sequence[self.cds_start:self.cds_end], self.code)
        self.complete_start = transcript.phase == 0 and self.protein.startswith("M")
        self.complete_stop = self.protein.endswith("*")

    def base(self, index: int) -> int:
        """The 0-based genomic base at transcript position `index`."""
        for start, end, offset in self._exons:
            if offset <= index < offset + end - start:
                return end - 1 - (index - offset) if self.transcript.strand == "-" else start + index - offset
        raise IndexError(index)

    def index(self, base: int) -> int | None:
        """The transcript position (0-based) of the 0-based genomic `base`; None outside the exons."""
        for start, end, offset in self._exons:
            if start <= base < end:
                return offset + (end - 1 - base if self.transcript.strand == "-" else base - start)
        return None


@dataclass(frozen=True)
class Effect:
    """What an allele does to one transcript."""

    transcript: Transcript
    consequences: tuple[str, ...]  # most severe first
    hgvsp: str | None  # p.Arg175His; None outside the coding sequence, or where no protein change can be told
    # what a scorer scores: the substitutions of a missense or synonymous allele
    change: tuple[Substitution, ...] | None


def trim(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """(0-based start, REF, ALT) of a VCF allele at 1-based `pos`, without the bases REF and ALT share at their
    start and then at their end."""
    shared = 0
    while shared < min(len(ref), len(alt)) and ref[shared] == alt[shared]:
        shared += 1
    ref, alt = ref[shared:], alt[shared:]
    end = 0
    while end < min(len(ref), len(alt)) and ref[-1 - end] == alt[-1 - end]:
        end += 1
    return pos - 1 + shared, ref[:len(ref) - end], alt[:len(alt) - end]


def effect(sequence: TranscriptSequence, start: int, ref: str, alt: str) -> Effect:
    """The effect of replacing the bases `ref` at 0-based `start` (an insertion where `ref` is empty: between
    start - 1 and start) with `alt`, trimmed as `trim` gives them."""
    transcript = sequence.transcript
    plus = transcript.strand == "+"
    # the bases the allele touches: those it replaces, or the two beside an insertion
    first, last = (start, start + len(ref) - 1) if ref else (start - 1, start)
    consequences = set(_splice(transcript, first, last, inserted=not ref))
    if ref and _holding(transcript.exons, first, last):
        begin, end = sequence.index(first if plus else last), sequence.index(last if plus else first) + 1
    elif not ref:  # an insertion goes into the exon beside it, at an exon's end too
        five_prime, three_prime = (sequence.index(base) for base in ((first, last) if plus else (last, first)))
        begin = end = three_prime if three_prime is not None else five_prime + 1 if five_prime is not None else None
    else:
        begin = end = None
    hgvsp, change = None, None
    if begin is None:
        consequences.update(_touched(sequence, first, last))
    elif end <= sequence.cds_start:
        consequences.add("5_prime_UTR_variant")
    elif begin >= sequence.cds_end:
        consequences.add("3_prime_UTR_variant")
    else:
        coding, hgvsp, change = _coding(sequence, begin, end, alt if plus else reverse_complement(alt))
        consequences.update(coding)
    return Effect(transcript, tuple(term for term in SEVERITY if term in consequences), hgvsp, change)


def _touched(sequence, first, last):
    """The consequences of changing the 0-based bases `first` to `last`, which no one exon holds: those of each
    kind of base among them."""
    transcript = sequence.transcript
    coding_first, coding_last = transcript.coding[0] - 1, transcript.coding[1] - 1
    for complete, codon, term in ((sequence.complete_start, sequence.cds_start, "start_lost"),
                                  (sequence.complete_stop, sequence.cds_end - 3, "stop_lost")):
        if complete and any(first <= sequence.base(index) <= last for index in range(codon, codon + 3)):
            yield term
    before, after = "5_prime_UTR_variant", "3_prime_UTR_variant"  # the UTRs before and after it, by position
    if transcript.strand == "-":
        before, after = after, before
    for start, end in transcript.exons:
        low, high = max(first, start - 1), min(last, end - 1)
        if low > high:
            continue
        if low < coding_first:
            yield before
        if high > coding_last:
            yield after
        if low <= coding_last and coding_first <= high:
            yield "coding_sequence_variant"
    if any(first < end and start - 1 <= last for start, end in _introns(transcript.exons)):
        yield "intron_variant"


def _holding(spans, first, last):
    """Whether one of the 1-based inclusive `spans` holds the 0-based bases `first` to `last`."""
    return any(start - 1 <= first and last < end for start, end in spans)


def _introns(exons):
    return [(left_end + 1, right_start - 1) for (_, left_end), (right_start, _) in zip(exons, exons[1:])]


def _splice(transcript, first, last, inserted):
    """The splice consequences of touching the 0-based bases `first` to `last` (an insertion: between them)."""
    for start, end in _introns(transcript.exons):
        low, high = start - 1, end  # the intron's bases: [low, high), 0-based
        for site, term_if_plus, term_if_minus in (((low, low + 2), "splice_donor_variant", "splice_acceptor_variant"),
                                                  ((high - 2, high), "splice_acceptor_variant",
                                                   "splice_donor_variant")):
            inside = site[0] <= first and last < site[1] if inserted else first < site[1] and site[0] <= last
            if inside:
                yield term_if_plus if transcript.strand == "+" else term_if_minus
        for region in ((low - 3, low), (low + 2, low + 8), (high - 8, high - 2), (high, high + 3)):
            if first < region[1] and region[0] <= last:
                yield "splice_region_variant"


def _coding(sequence, begin, end, allele):
    """(consequences, HGVS, substitutions) of replacing transcript positions [begin, end) with `allele` where that
    touches the coding sequence."""
    reference = sequence.protein
    if begin < sequence.cds_start:  # from the 5' UTR into the coding sequence
        return ["start_lost" if sequence.complete_start else "coding_sequence_variant"], "p.Met1?", None
    altered = sequence.sequence[:begin] + allele + sequence.sequence[end:]
    shift = len(allele) - (end - begin)
    # what the change of length does, said beside a lost or kept start or stop, as VEP says it
    length = ["frameshift_variant"] if shift % 3 else ["inframe_insertion"] if shift > 0 else \
        ["inframe_deletion"] if shift < 0 else []
    # without a stop codon, the coding sequence ends where the annotation ends it
    coding_end = None if sequence.complete_stop else sequence.cds_end + shift
    protein = translate(altered[sequence.cds_start:coding_end], sequence.code, to_stop=True)
    if sequence.complete_start and begin < sequence.cds_start + 3 and not protein.startswith("M"):
        return ["start_lost", *length], "p.Met1?", None
    first = next((i for i, (a, b) in enumerate(zip(reference, protein)) if a != b), min(len(reference), len(protein)))
    if protein == reference:
        stop = sequence.complete_stop and end > sequence.cds_end - 3
        residue = min((begin - sequence.cds_start) // 3, len(reference) - 1)
        amino_acid = reference[residue]
        change = (Substitution(amino_acid, residue + 1, amino_acid),) if amino_acid in AMINO_ACIDS else None
        return ["stop_retained_variant" if stop else "synonymous_variant", *length], \
            f"p.{_three(amino_acid)}{residue + 1}=", change
    if shift % 3:
        lost_stop = first < len(reference) and reference[first] == "*"
        return ["frameshift_variant", *["stop_lost"] * lost_stop], _frameshift(reference, protein, first), None
    # in frame: where the reference's stop would now be, were nothing else changed
    expected_stop = len(reference) - 1 + shift // 3 if sequence.complete_stop else None
    new_stop = protein.find("*") if protein.endswith("*") else None
    if new_stop is not None and (expected_stop is None or new_stop < expected_stop):
        if protein[first] == "*":
            return ["stop_gained", *length], f"p.{_three(reference[first])}{first + 1}Ter", None
        return ["stop_gained", *length], _delins(reference, first, first, protein[first:new_stop + 1]), None
    if expected_stop is not None and new_stop != expected_stop:
        return ["stop_lost", *length], _extension(reference, protein, first), None
    kept_end = 0  # residues shared at the end
    while kept_end < min(len(reference), len(protein)) - first and reference[-1 - kept_end] == protein[-1 - kept_end]:
        kept_end += 1
    lost, gained = reference[first:len(reference) - kept_end], protein[first:len(protein) - kept_end]
    if not gained:
        return ["inframe_deletion"], f"p.{_span(reference, first, first + len(lost) - 1)}del", None
    if not lost:
        return ["inframe_insertion"], _insertion(reference, first, gained), None
    if len(lost) == len(gained):
        substitutions = tuple(Substitution(a, first + i + 1, b) for i, (a, b) in enumerate(zip(lost, gained))
                              if a != b)
        scorable = all(s.wild_type in AMINO_ACIDS and s.mutant in AMINO_ACIDS for s in substitutions)
        hgvsp = (f"p.{_three(lost)}{first + 1}{_three(gained)}" if len(lost) == 1
                 else _delins(reference, first, first + len(lost) - 1, gained))
        return ["missense_variant"], hgvsp, substitutions if scorable else None
    kind = "inframe_insertion" if len(gained) > len(lost) else "inframe_deletion"
    return [kind], _delins(reference, first, first + len(lost) - 1, gained), None


def _three(residues):
    return "".join(_THREE[residue] for residue in residues)


def _span(protein, first, last):
    """Residues `first` to `last` (0-based) as HGVS names them: Lys12 or Lys12_Ala14."""
    one = f"{_three(protein[first])}{first + 1}"
    return one if last == first else f"{one}_{_three(protein[last])}{last + 1}"


def _delins(protein, first, last, inserted):
    return f"p.{_span(protein, first, last)}delins{_three(inserted)}"


def _insertion(protein, after, inserted):
    """An insertion after residue `after` (1-based; residues are shared up to there): a duplication where the
    residues before it are the same."""
    if after >= len(inserted) and protein[after - len(inserted):after] == inserted:
        return f"p.{_span(protein, after - len(inserted), after - 1)}dup"
    return f"p.{_span(protein, after - 1, after)}ins{_three(inserted)}"


def _new_stop(protein, first):
    """Ter and the new stop's position counting the residue at `first` as 1, or Ter? where there is none."""
    return f"Ter{protein.index('*') - first + 1}" if protein.endswith("*") else "Ter?"


def _frameshift(reference, protein, first):
    if first >= min(len(reference), len(protein)):  # an incomplete coding sequence, changed past its end
        return None
    if reference[first] == "*":
        return _extension(reference, protein, first)
    if protein[first] == "*":
        return f"p.{_three(reference[first])}{first + 1}Ter"
    return f"p.{_three(reference[first])}{first + 1}{_three(protein[first])}fs{_new_stop(protein, first)}"


def _extension(reference, protein, first):
    stop = len(reference) - 1
    residue = _three(protein[stop]) if stop < len(protein) else ""
    return f"p.Ter{stop + 1}{residue}ext{_new_stop(protein, stop)}"
