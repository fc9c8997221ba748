"""genotools-qc: one quality-control report for the inputs of every other tool."""

import contextlib
import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.fasta import Reference
from genotools.io.tables import ORIENTATIONS
from genotools.qc.checks import METRICS, judge, parse_fail_on
from genotools.qc.genome import check_reference, check_regions, check_variants
from genotools.qc.matrix import check_matrix, read_batches
from genotools.qc.report import multiqc_data, summary_data, write_html

from .common import (
    Debug,
    Device,
    Quiet,
    Seed,
    Threads,
    Version,
    check_choices,
    existing_file,
    reported_errors,
    say,
    single_command_app,
)


def qc(
    report: Annotated[Path, typer.Option(help="The report to write: one self-contained HTML page.", dir_okay=False)],
    summary: Annotated[Path, typer.Option(help="Every check as JSON.", dir_okay=False)],
    reference: Annotated[Optional[Path], existing_file(
        "Reference genome FASTA (plain or bgzipped): contigs, lengths, N, soft-masked and GC fractions; the regions "
        "and variants are checked against it.")] = None,
    regions: Annotated[Optional[Path], existing_file(
        "BED regions, labelled as genotools-encode reads them: duplicates, overlaps, label balance per task, and "
        "regions outside the reference's contigs.")] = None,
    vcf: Annotated[Optional[Path], existing_file(
        "Variants, VCF or BCF: records per contig, Ti/Tv, missing genotypes per sample, and REF alleles and contig "
        "names that disagree with the reference.")] = None,
    matrix: Annotated[Optional[list[Path]], existing_file(
        "Numeric matrix of samples and features (expression, drug response ...), TSV or CSV, repeatable: missing "
        "values, constant features, outlier samples and principal components.")] = None,
    orientation: Annotated[str, typer.Option(
        help="Whether the samples of --matrix are its rows or its columns; auto: the side naming the samples of "
        "--batches, else the shorter side.")] = "auto",
    batches: Annotated[Optional[Path], existing_file(
        "Samples table (TSV or CSV): sample names in the first column, then columns such as batch; colours the "
        "principal components and tests them for a batch effect.")] = None,
    batch_column: Annotated[Optional[str], typer.Option(
        help="The column of --batches that holds the batch [default: its only column after the names].")] = None,
    multiqc: Annotated[Optional[Path], typer.Option(
        help="Also write the metrics as MultiQC custom content; MultiQC finds it by the _mqc at the "
        "end of its name, as in qc_mqc.json.", dir_okay=False)] = None,
    fail_on: Annotated[Optional[list[str]], typer.Option(
        help="METRIC=THRESHOLD, repeatable: exit with status 1 when a metric is beyond it (above, or below for "
        "ti_tv and label_minority_fraction), after writing the report. Metrics: " + ", ".join(METRICS) + ".")]
    = None,
    device: Device = "cpu",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Check the inputs of the other tools before they run: a reference FASTA, BED regions, a VCF or BCF, and
    numeric matrices, any of them; the checks that relate two files (regions and variants against the
    reference) run when both are given. Each check is a named metric with a value and a status: pass, warn
    (beyond its default threshold), fail (beyond a --fail-on threshold) or info (descriptive). The report
    shows the checks, then tables and plots per input; the summary holds the same as JSON. With --fail-on the
    tool exits with status 1 when a check fails, after writing every output, so that a pipeline stops on bad
    data. The checks are deterministic and run on one CPU core: --device, --seed and --threads are accepted,
    like every genotools tool takes them, and change nothing."""
    with reported_errors("genotools-qc", debug):
        check_choices((("--orientation", orientation, ORIENTATIONS),))
        given = {name for name, value in (("reference", reference), ("regions", regions), ("vcf", vcf),
                                          ("matrix", matrix), ("batches", batches)) if value}
        if not given - {"batches"}:
            raise InputError("nothing to check: give --reference, --regions, --vcf or --matrix")
        if batch_column and not batches:
            raise InputError("--batch-column names a column of --batches: give --batches")
        if batches and not matrix:
            raise InputError("--batches colours the samples of --matrix: give --matrix")
        thresholds = parse_fail_on(fail_on or [], given)
        table = read_batches(batches, batch_column) if batches else None
        sections = []
        with Reference(reference) if reference else contextlib.nullcontext() as genome:
            if genome:
                say(quiet, f"checking {reference}")
                sections.append(check_reference(genome))
            if regions:
                say(quiet, f"checking {regions}")
                sections.append(check_regions(regions, genome))
            if vcf:
                say(quiet, f"checking {vcf}")
                sections.append(check_variants(vcf, genome))
        for path in matrix or []:
            say(quiet, f"checking {path}")
            sections.append(check_matrix(path, orientation, table))
        failed = judge(sections, thresholds)
        with contextlib.ExitStack() as outputs:
            write_html(sections, failed, outputs.enter_context(atomic_output(report)))
            outputs.enter_context(atomic_output(summary)).write_text(
                json.dumps(summary_data(sections, failed), indent=2) + "\n")
            if multiqc:
                outputs.enter_context(atomic_output(multiqc)).write_text(
                    json.dumps(multiqc_data(sections), indent=2) + "\n")
        for section in sections:
            for check in section.checks:
                if check.status in ("warn", "fail"):
                    say(quiet, f"{check.status}: {check.metric} ({section.path}): {check.message}")
        if failed:
            typer.echo("genotools-qc: failed: " + "; ".join(
                f"{c.metric} = {c.value:.4g} ({c.input}, --fail-on {c.metric}={c.threshold:g})" for c in failed),
                err=True)
            raise typer.Exit(1)
        say(quiet, f"report: {report}\nsummary: {summary}" + (f"\nMultiQC: {multiqc}" if multiqc else ""))


app = single_command_app(
    qc, "genotools-qc --reference genome.fa --regions regions.bed --vcf variants.vcf.gz --matrix expression.tsv "
    "--batches samples.tsv --batch-column batch --report qc.html --summary qc.json --multiqc qc_mqc.json "
    "--fail-on ref_mismatch_fraction=0 --fail-on missing_fraction=0.05")
