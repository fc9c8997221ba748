"""genotools-score-variants: the effect of every variant in a VCF on a trained sequence model's predictions."""

import contextlib
import csv
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.fasta import Reference
from genotools.io.vcf import contig_names, open_vcf, read_records
from genotools.report import GenomeMaxima, plot_genome_scores
from genotools.runtime import configure, resolve_device
from genotools.sequence.model_file import load_sequence_model
from genotools.sequence.variants import OUTCOMES, SCORES, score_records

from .common import (
    AverageStrands,
    BatchSize,
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
    existing_file,
    reported_errors,
    say,
    single_command_app,
    vcf_output_type,
    vcf_writer,
)

PREFIX = "GENOTOOLS_"


def _cells(values, columns, n):
    """The `n` scores of the tasks in `columns` from an allele's (tasks, scores) array, task by task, as floats;
    None where unscored or undefined (NaN)."""
    if values is None:
        return [None] * n
    return [None if math.isnan(value) else value for value in values[columns].ravel().tolist()]


def _info_id(score, task):
    return f"{PREFIX}{score.upper()}_{re.sub('[^0-9A-Za-z_.]', '_', task)}"


def _header(vcf, tasks, scores):
    header = annotated_header(vcf, "score_variants")
    header.info.add(f"{PREFIX}STATUS", "A", "String",
                    f"Outcome of scoring each ALT allele with genotools-score-variants: {', '.join(OUTCOMES)}")
    descriptions = {"ref": "prediction for the REF allele", "alt": "prediction for the ALT allele",
                    "diff": "ALT minus REF prediction", "absdiff": "absolute ALT minus REF prediction",
                    "logfc": "log-odds difference (binary tasks) or log2 fold change (regression tasks), ALT vs REF"}
    for task in tasks:
        for score in scores:
            header.info.add(_info_id(score, task), "A", "Float", f"{descriptions[score]} of task {task}")
    return header


def score_variants(
    model: Annotated[Path, existing_file("Model from genotools-train (.safetensors).")],
    reference: ReferenceFasta,
    vcf: VariantsIn,
    output: Annotated[Path, typer.Option("--output", "-o", help="Scored variants: .vcf, .vcf.gz or .bcf (indexed "
                                        "when bgzipped or BCF); '-' writes VCF to standard output.", dir_okay=False)],
    output_type: VcfOutputType = "auto",
    tsv: Annotated[Optional[Path], typer.Option(help="Also write a table: one row per ALT allele.",
                                                dir_okay=False)] = None,
    summary: Annotated[Optional[Path], typer.Option(help="Counts per outcome as JSON.", dir_okay=False)] = None,
    plot: Annotated[Optional[Path], typer.Option(
        help="PNG of the scores along the genome (DIFF, or the first of --scores), Manhattan-style.",
        dir_okay=False)] = None,
    scores: Annotated[str, typer.Option(help=f"Comma-separated scores to write: {', '.join(SCORES)}.")]
    = ",".join(SCORES),
    tasks: Annotated[Optional[str], typer.Option(help="Comma-separated tasks to write [default: all].")] = None,
    ref_mismatch: Annotated[str, typer.Option(
        help="When REF differs from the reference: skip (status ref_mismatch), score (with the VCF's REF) or "
        "error.")] = "skip",
    batch_size: BatchSize = 256,
    reverse_complement: AverageStrands = True,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Score how every variant changes a sequence model's predictions: each ALT allele of each record (SNVs, MNVs,
    insertions and deletions) is scored on a window of the model's length around it, and the scores are added to
    the VCF as INFO fields (one value per ALT, Number=A) with a status per allele. Every input record and
    header line is kept; symbolic, '*' and missing ALTs, unknown contigs and REF mismatches are passed through
    with their reason. Contig names are matched with or without 'chr' (and chrM/MT)."""
    with reported_errors("genotools-score-variants", debug):
        configure(threads, seed)
        device = resolve_device(device)
        wanted_scores = [s for s in scores.split(",") if s]
        unknown = set(wanted_scores) - set(SCORES)
        if unknown or not wanted_scores:
            raise InputError(f"--scores: choose among {', '.join(SCORES)}")
        if ref_mismatch not in ("skip", "score", "error"):
            raise InputError("--ref-mismatch: choose skip, score or error")
        kind = vcf_output_type(output, output_type)
        network, metadata = load_sequence_model(model)
        network.to(device)
        chosen = tasks.split(",") if tasks else metadata["task_names"]
        missing = set(chosen) - set(metadata["task_names"])
        if missing:
            raise InputError(f"--tasks: the model has no task {', '.join(sorted(missing))} "
                             f"(it has {', '.join(metadata['task_names'])})")
        columns = [metadata["task_names"].index(task) for task in chosen]
        variants = open_vcf(vcf)
        indexed = kind != "v" and str(output) != "-"
        with Reference(reference) as genome, variants, contextlib.ExitStack() as outputs:
            contigs = contig_names(variants.header.contigs, genome.lengths)
            renamed = {k: v for k, v in contigs.items() if k != v}
            # Records whose names the header lacks are refused, as htslib cannot write them into the output; and, for
            # an indexed output, records out of order or off their contig, which the index cannot hold.
            scored = score_records(read_records(variants, vcf, indexable=indexed), genome, contigs, network, metadata,
                                   device, scores=wanted_scores, ref_mismatch=ref_mismatch, batch_size=batch_size,
                                   precision=precision, reverse_complement=reverse_complement, vcf_path=vcf)
            header = _header(variants, chosen, wanted_scores)
            # The side outputs are entered first, so they leave last: each is renamed into place only once the VCF is
            # complete and indexed, and an error anywhere (the index included) leaves none of them.
            tsv_path, summary_path, plot_path = (outputs.enter_context(atomic_output(path)) if path else None
                                                 for path in (tsv, summary, plot))
            out = outputs.enter_context(vcf_writer(output, kind, header))
            table = csv.writer(outputs.enter_context(open(tsv_path, "w", newline="")), delimiter="\t",
                               lineterminator="\n") if tsv else None
            if table:
                table.writerow(["chrom", "pos", "id", "ref", "alt", "status",
                                *(f"{task}_{score}" for task in chosen for score in wanted_scores)])
            counts = Counter()
            plotted = wanted_scores.index("diff") if "diff" in wanted_scores else 0
            maxima = GenomeMaxima(genome.lengths, len(chosen))
            fields = [_info_id(score, task) for task in chosen for score in wanted_scores]
            for record, alleles in scored:
                record.translate(out.header)
                cells = [_cells(values, columns, len(fields)) for _, values in alleles]
                if record.alts:  # a record whose ALT is '.' has no allele to carry Number=A values
                    record.info[f"{PREFIX}STATUS"] = [outcome for outcome, _ in alleles]
                    for i, field in enumerate(fields):
                        record.info[field] = [allele[i] for allele in cells]
                out.write(record)
                counts.update(outcome for outcome, _ in alleles)
                for _, values in alleles:
                    if values is not None:
                        maxima.add(contigs[record.chrom], record.start, values[columns, plotted])
                if table:
                    for alt, (outcome, _), values in zip(record.alts or (".",), alleles, cells):
                        table.writerow([record.chrom, record.pos, record.id or ".", record.ref, alt, outcome,
                                        *("" if value is None else f"{value:.6g}" for value in values)])
            report = {"outcomes": {outcome: counts[outcome] for outcome in OUTCOMES}, "renamed_contigs": renamed}
            if summary:
                summary_path.write_text(json.dumps(report, indent=2) + "\n")
            if plot:
                plot_genome_scores(maxima, chosen, wanted_scores[plotted].upper(), plot_path)
        say(quiet, "alleles: " + ", ".join(f"{n} {outcome}" for outcome, n in report["outcomes"].items() if n)
            + (f"; contigs renamed: {', '.join(f'{k}->{v}' for k, v in renamed.items())}" if renamed else ""))


app = single_command_app(
    score_variants, "genotools-score-variants --model model.safetensors --reference genome.fa --vcf variants.vcf.gz "
    "--output scored.vcf.gz --tsv scores.tsv")
