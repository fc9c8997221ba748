"""Protein changes as users write them: `A123V`, HGVS `p.Ala123Val` or `p.(Ala123Val)`, a wild-type "change"
`A123=`, and multi-mutants `A123V:G130D`, `A123V;G130D` or `p.[Ala123Val;Gly130Asp]`. Positions are 1-based."""

import re
from dataclasses import dataclass

from genotools.errors import InputError

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
THREE_LETTER = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
                "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
                "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V"}
_RESIDUE = "|".join([*THREE_LETTER, *AMINO_ACIDS])
_SUBSTITUTION = re.compile(rf"({_RESIDUE})(\d+)({_RESIDUE}|=)")
_STOP = re.compile(r"[A-Z][a-z]{0,2}\d+(?:\*|Ter|X|(?:[A-Z][a-z]{0,2})?fs.*)")  # R175*, R175X, R175Ter, R175fs


@dataclass(frozen=True)
class Substitution:
    wild_type: str  # one letter
    position: int  # 1-based
    mutant: str  # one letter; the wild type for a synonymous change


def _one_letter(residue: str) -> str:
    return THREE_LETTER.get(residue, residue)


def parse_change(text: str) -> tuple[Substitution, ...]:
    """The substitutions of one change (several for a multi-mutant), in the order written."""
    body = text.strip()
    if body.startswith("p."):
        body = body[2:]
        if body[:1] in "([" and body[-1:] in ")]":
            body = body[1:-1]
    parts = [part for part in re.split(r"[:;,]", body) if part]
    if not parts:
        raise InputError(f"protein change {text!r} is empty; write it like A123V or p.Ala123Val")
    substitutions = []
    for part in parts:
        match = _SUBSTITUTION.fullmatch(part)
        if match is None:
            why = ("a stop or frameshift has no score from a substitution model"
                   if _STOP.fullmatch(part) else "write it like A123V, p.Ala123Val or A123V:G130D (amino acids "
                   f"{AMINO_ACIDS} or their three-letter codes)")
            raise InputError(f"protein change {text!r}: cannot read {part!r}; {why}")
        wild_type, position, mutant = match.groups()
        wild_type = _one_letter(wild_type)
        mutant = wild_type if mutant == "=" else _one_letter(mutant)
        substitutions.append(Substitution(wild_type, int(position), mutant))
    positions = [s.position for s in substitutions]
    if len(set(positions)) < len(positions):
        raise InputError(f"protein change {text!r} changes a position more than once")
    return tuple(substitutions)


def check_on(change: tuple[Substitution, ...], sequence: str, text: str, protein: str) -> None:
    """Refuse a change whose positions lie outside `sequence` or whose wild-type residues disagree with it."""
    for substitution in change:
        if not 1 <= substitution.position <= len(sequence):
            raise InputError(f"protein change {text!r}: position {substitution.position} is outside {protein} "
                             f"({len(sequence)} residues)")
        residue = sequence[substitution.position - 1]
        if residue != substitution.wild_type:
            raise InputError(f"protein change {text!r}: {protein} has {residue} at {substitution.position}, not "
                             f"{substitution.wild_type}; check the protein sequence and the numbering")
