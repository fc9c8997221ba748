"""genotools-score-splicing: SpliceAI's delta scores for every variant in a VCF, with an imported splice model."""

import contextlib
import csv
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.fasta import Reference
from genotools.io.genes import WHAT_TO_GIVE, GeneIndex, read_genes
from genotools.io.vcf import contig_names, open_vcf, read_records
from genotools.runtime import configure, resolve_device
from genotools.sequence.published import load_splice_model
from genotools.sequence.splicing import (
    DEFAULT_DISTANCE,
    INFO_ID,
    INFO_LINE,
    MAX_DISTANCE,
    OUTCOMES,
    POSITION_NAMES,
    SCORE_NAMES,
    score_records,
)

from .common import (
    BatchSize,
    Debug,
    Device,
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
    progress_bar,
    reported_errors,
    say,
    single_command_app,
    vcf_output_type,
    vcf_writer,
)


def score_splicing(
    model: Annotated[Path, existing_file("Splice model from genotools-import-model (.safetensors).")],
    reference: ReferenceFasta,
    vcf: VariantsIn,
    genes: Annotated[Path, existing_file(
        "Genes: SpliceAI's gene table (#NAME CHROM STRAND TX_START TX_END EXON_START EXON_END, as spliceai/"
        "annotations/grch38.txt in its wheel), a GTF or a GFF3; plain or gzipped.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Annotated variants: .vcf, .vcf.gz or .bcf (indexed "
                                        "when bgzipped or BCF); '-' writes VCF to standard output.", dir_okay=False)],
    output_type: VcfOutputType = "auto",
    tsv: Annotated[Optional[Path], typer.Option(
        help="Also write a table of the unrounded scores: one row per allele and gene.", dir_okay=False)] = None,
    summary: Annotated[Optional[Path], typer.Option(
        help="Counts of what became of the records, alleles and genes, as JSON.", dir_okay=False)] = None,
    distance: Annotated[int, typer.Option(
        min=0, max=MAX_DISTANCE, help="Largest distance, in bases, between the variant and a gained or lost splice "
        "site (SpliceAI's -D).")] = DEFAULT_DISTANCE,
    mask: Annotated[bool, typer.Option(
        "--mask/--no-mask", help="Score as 0 the gains of annotated splice sites and the losses of unannotated ones "
        "(SpliceAI's -M 1).")] = False,
    ref_mismatch: Annotated[str, typer.Option(
        help="When REF differs from the reference: skip (leave the record unannotated, as SpliceAI does) or "
        "error.")] = "skip",
    batch_size: BatchSize = 64,
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Score how every variant changes splicing, as SpliceAI 1.3.1 does: for each ALT allele and each gene that the
    variant lies in, the largest gain and loss of acceptor and donor probability within --distance bases (delta
    scores, DS) and where they are (delta positions, DP). The scores are added as SpliceAI's own INFO field,
    SpliceAI=ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL, with SpliceAI's header line, so that
    what reads SpliceAI's output reads this tool's. Every record and header line is kept, in order; records in no
    gene, near a contig end, with a REF that differs from the reference or longer than 2 x --distance are left
    unannotated, as SpliceAI leaves them, and counted. Many variants are scored per forward pass, on a GPU where
    there is one. The model comes from genotools-import-model (SpliceAI's or CI-SpliceAI's networks); its weights'
    licence is stated at every run: SpliceAI's are CC BY-NC 4.0 (non-commercial use only), CI-SpliceAI's CC BY 4.0."""
    with reported_errors("genotools-score-splicing", debug):
        configure(threads, seed)
        device = resolve_device(device)
        check_choices([("--ref-mismatch", ref_mismatch, ["skip", "error"])])
        kind = vcf_output_type(output, output_type)
        network, metadata = load_splice_model(model)
        network.to(device)
        index = GeneIndex(read_genes(genes))
        if not index.genes:
            raise InputError(f"{genes}: holds no gene on the + or - strand; {WHAT_TO_GIVE}")
        variants = open_vcf(vcf)
        indexed = kind != "v" and str(output) != "-"
        with Reference(reference) as genome, variants, contextlib.ExitStack() as outputs:
            reference_contigs = contig_names(variants.header.contigs, genome.lengths)
            gene_contigs = contig_names(variants.header.contigs, index.chroms)
            scored = score_records(read_records(variants, vcf, indexable=indexed), genome, index, reference_contigs,
                                    gene_contigs, network, metadata["context"], device, distance=distance, mask=mask,
                                    ref_mismatch=ref_mismatch, batch_size=batch_size, vcf_path=vcf)
            header = annotated_header(variants, "score_splicing", replaced=[INFO_ID])
            header.add_line(INFO_LINE)
            # The side outputs are entered first, so they leave last: each is renamed into place only once the VCF is
            # complete and indexed, and an error anywhere leaves none of them.
            tsv_path, summary_path = (outputs.enter_context(atomic_output(path)) if path else None
                                      for path in (tsv, summary))
            out = outputs.enter_context(vcf_writer(output, kind, header))
            table = csv.writer(outputs.enter_context(open(tsv_path, "w", newline="")), delimiter="\t",
                               lineterminator="\n") if tsv else None
            if table:
                table.writerow(["chrom", "pos", "id", "ref", "alt", "gene",
                                *(name.lower() for name in SCORE_NAMES + POSITION_NAMES)])
            counts, records, annotated = Counter(), 0, 0
            bar = outputs.enter_context(progress_bar(quiet))
            task = bar.add_task("records", total=None)
            for record, entries, outcomes in scored:
                record.translate(out.header)
                if INFO_ID in record.info:
                    del record.info[INFO_ID]
                if entries:
                    record.info[INFO_ID] = [entry.text() for entry in entries]
                out.write(record)
                records, annotated = records + 1, annotated + bool(entries)
                counts.update(outcomes)
                bar.advance(task)
                for entry in entries if table else ():
                    values = [f"{value:.6g}" for value in entry.scores] if entry.scores else ["."] * 4
                    table.writerow([record.chrom, record.pos, record.id or ".", record.ref, entry.alt, entry.gene,
                                    *values, *(entry.positions or ["."] * 4)])
            report = {"records": records, "annotated_records": annotated,
                      "outcomes": {outcome: counts[outcome] for outcome in OUTCOMES},
                      "distance": distance, "mask": mask, "model_context": metadata["context"]}
            if summary:
                summary_path.write_text(json.dumps(report, indent=2) + "\n")
        unmatched = "" if gene_contigs or not records else \
            f"; no contig of {vcf} is in the gene table {genes}: check both name the same genome's contigs"
        say(quiet, f"records: {records}, {annotated} annotated; " +
            ", ".join(f"{n} {outcome}" for outcome, n in report["outcomes"].items() if n) + unmatched)
        say(quiet, f"model: {metadata['source']['name']} {metadata['source']['version']}, context "
                   f"{metadata['context']:,} bases; licence of the weights: {metadata['licence']}")


app = single_command_app(
    score_splicing, "genotools-score-splicing --model spliceai.safetensors --reference genome.fa --genes grch38.txt "
    "--vcf variants.vcf.gz --output annotated.vcf.gz")
