"""genotools-interpret: which bases drive a trained sequence model's prediction, per base and as sequence logos;
and the model's first-layer filters as motifs, compared with known ones."""

import contextlib
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_directory, atomic_output
from genotools.io.fasta import Reference
from genotools.report import plot_attribution_logos, plot_motif_logos
from genotools.runtime import configure, resolve_device
from genotools.sequence import motifs
from genotools.sequence.encoding import ALPHABET, one_hot, one_hot_many, reverse_complement_one_hot
from genotools.sequence.interpret import METHODS, attribute
from genotools.sequence.model_file import load_sequence_model
from genotools.sequence.variants import chunks
from genotools.sequence.windows import fasta_windows, region_windows, variant_windows

from .common import (
    AverageStrands,
    BatchSize,
    Debug,
    Device,
    Precision,
    Quiet,
    Seed,
    Threads,
    Version,
    existing_file,
    one_task,
    progress_bar,
    reported_errors,
    say,
    single_command_app,
)

COLUMNS = ["name", "allele", "chrom", "position", "offset", "base", "attribution", *ALPHABET]
UNITS_PER_BLOCK = 16  # sequences or variants attributed and written together: memory stays flat however many
MOTIF_FILE, MATCH_FILE = "motifs.meme", "matches.tsv"  # in the --filter-motifs folder
MATCH_COLUMNS = ["filter", "sites", "information_content", "influence", "match_id", "match_name", "correlation",
                 "strand", "offset", "overlap"]


def _table(windows, values, attributions):
    """Rows of the per-base TSV for a block of windows."""
    length = len(windows[0].sequence)
    positions = np.concatenate([w.positions for w in windows])
    table = pd.DataFrame({
        "name": np.repeat([w.name for w in windows], length),
        "allele": np.repeat([w.allele for w in windows], length),
        "chrom": np.repeat([w.chrom for w in windows], length),
        "position": pd.Series(positions + 1).where(positions >= 0).astype("Int64"),
        "offset": np.tile(np.arange(1, length + 1), len(windows)),
        "base": list("".join(w.sequence for w in windows)),
        "attribution": attributions.reshape(-1),
    })
    for j, base in enumerate(ALPHABET):
        table[base] = values[:, :, j].reshape(-1)
    return table


def _genome_bases(windows, attributions):
    """(chrom, start, attribution) of the bases of every window but ALT ones, for the bedGraph."""
    return [pd.DataFrame({"chrom": w.chrom, "start": w.positions[w.positions >= 0],
                          "attribution": a[w.positions >= 0]})
            for w, a in zip(windows, attributions) if w.allele != "alt"]


def _bedgraph(parts, contig_order):
    """One line per base: the mean attribution over the windows that cover it, contigs in `contig_order` (default:
    as they come)."""
    if not parts:
        return pd.DataFrame(columns=["chrom", "start", "end", "attribution"])
    bases = pd.concat(parts)
    bases["chrom"] = pd.Categorical(bases["chrom"], categories=contig_order or bases["chrom"].unique())
    mean = bases.groupby(["chrom", "start"], observed=True)["attribution"].mean().reset_index()
    mean.insert(2, "end", mean["start"] + 1)
    return mean


def _draw_logos(block, attributions, folder, first, title):
    """One PNG per unit of `block` (a sequence, or a variant's REF and ALT), numbered from `first`."""
    rows = iter(attributions)
    for number, unit in enumerate(block, start=first):
        name = unit[0].name
        plot_attribution_logos([(w.allele if w.allele != "." else "attribution",
                                 one_hot(w.sequence) * next(rows)[:, None], w.highlight) for w in unit], ALPHABET,
                               f"{name}: {title}",
                               folder / f"{number:04d}_{re.sub(r'[^0-9A-Za-z_.-]+', '_', name)}.png")


def _filter_motifs(network, onehot, device, batch_size, task, known, folder, logo_folder, max_logos):
    """Write the motifs of the model's first-layer filters from one-hot sequences (N, length, 4), their influence on
    output column `task` and each one's best match among `known` into `folder`, most influential first, and logos
    of the top ones; return how many filters had enough sites (the files hold only their headers when none had: too
    few sequences is no reason to fail the attributions)."""
    found = motifs.filter_motifs(network, onehot, device, batch_size=batch_size)
    influence = {motifs.filter_id(index): value for index, value in
                 enumerate(motifs.filter_influence(network, onehot, device, task, batch_size=batch_size))}
    found.sort(key=lambda motif: -influence[motif.id])
    matches = [best[0] for best in motifs.compare(found, known)] if known else [None] * len(found)
    motifs.write_meme(found, folder / MOTIF_FILE)
    pd.DataFrame([[motif.id, motif.sites, motif.information_content, influence[motif.id]]
                  + ([m.motif.id, m.motif.name, m.correlation, m.strand, m.offset, m.overlap] if m else [None] * 6)
                  for motif, m in zip(found, matches)], columns=MATCH_COLUMNS).to_csv(
        folder / MATCH_FILE, sep="\t", index=False, float_format="%.4g", na_rep=".")
    for rank, (motif, match) in enumerate(zip(found[:max_logos] if logo_folder else [], matches), start=1):
        _draw_filter_logo(motif, match, logo_folder / f"{rank:04d}_{motif.id}.png")
    return len(found)


def _draw_filter_logo(motif, match, path):
    """A filter motif's logo, above its best match's (on the filter's strand, aligned with it)."""
    rows = [(motif.id, motifs.letter_heights(motif.pfm), 0)]
    title = f"{motif.id}: {motif.sites} sites, {motif.information_content:.1f} bits"
    if match:
        known = match.motif.pfm
        rows.append((match.motif.id, motifs.letter_heights(known), match.offset) if match.strand == "+" else
                    (match.motif.id, motifs.letter_heights(reverse_complement_one_hot(known)),
                     len(motif.pfm) - match.offset - len(known)))
        title += f"; best match {match.motif.id} {match.motif.name} (r = {match.correlation:.2f})"
    plot_motif_logos(rows, ALPHABET, title, path)


def interpret(
    model: Annotated[Path, existing_file("Model from genotools-train (.safetensors).")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Per-base table (TSV): name, allele, chrom, position, offset, base, attribution and "
        "the method's value for each base A, C, G, T.", dir_okay=False)],
    fasta: Annotated[Optional[Path], existing_file(
        "Sequences to interpret (FASTA); each is cut or N-padded around its centre to the model's length.")] = None,
    reference: Annotated[Optional[Path], existing_file(
        "Reference genome FASTA, with --regions or --vcf.")] = None,
    regions: Annotated[Optional[Path], existing_file(
        "BED regions: a window of the model's length is centred on each.")] = None,
    vcf: Annotated[Optional[Path], existing_file(
        "Variants (VCF or BCF): the REF and ALT windows of each ALT allele, as genotools-score-variants scores "
        "them. Alleles it cannot score are left out and counted.")] = None,
    task: Annotated[Optional[str], typer.Option(help="The task to explain (needed when the model has several).")]
    = None,
    method: Annotated[str, typer.Option(
        help="ism (saturation mutagenesis: each substitution's effect), gradient-input (gradient x input) or "
        "integrated-gradients (from a baseline of 0.25 per base).")] = "ism",
    steps: Annotated[int, typer.Option(min=1, help="Integration steps of integrated-gradients.")] = 50,
    bedgraph: Annotated[Optional[Path], typer.Option(
        help="Also write the attributions as bedGraph: along the genome (for --vcf, of the REF windows), or along "
        "each FASTA record; a base in several windows gets their mean.", dir_okay=False)] = None,
    logos: Annotated[Optional[Path], typer.Option(
        help="Folder for sequence-logo PNGs: one per sequence, region or variant (REF above ALT).",
        file_okay=False)] = None,
    max_logos: Annotated[int, typer.Option(
        min=0, help="Draw logos for the first this many sequences, and the top this many filters, only.")] = 50,
    filter_motifs: Annotated[Optional[Path], typer.Option(
        help="Also turn the model's first-layer convolution filters into motifs, in this folder: motifs.meme (MEME "
        "minimal format) and matches.tsv (filter, sites, information_content in bits, influence, and the best match "
        "among --known-motifs: match_id, match_name, correlation, strand, offset, overlap), most influential first. "
        "A filter's motif is its sites' base frequencies: the subsequences of the sequences interpreted (for --vcf, "
        "the REF windows) where its activation exceeds half its maximum over them all. Its influence, as Basset "
        "measures it: the mean squared change of --task's output over the first "
        f"{motifs.INFLUENCE_SEQUENCES:,} of those sequences when the filter's activations are replaced by their "
        f"mean. Filters with fewer than {motifs.MIN_SITES} sites are left out.", file_okay=False)] = None,
    known_motifs: Annotated[Optional[Path], existing_file(
        "Known motifs to compare the filter motifs with, in MEME minimal format (e.g. JASPAR's "
        "JASPAR2024_CORE_non-redundant_pfms_meme.txt) or JASPAR format. A filter's best match has the highest "
        "Pearson correlation of aligned columns over offsets and both strands.")] = None,
    filter_logos: Annotated[Optional[Path], typer.Option(
        help="Folder for information-content logos of the top filter motifs, each above its best match.",
        file_okay=False)] = None,
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
    """Show which bases drive a trained model's prediction for one task, by in-silico saturation mutagenesis,
    gradient x input or integrated gradients, for FASTA sequences, BED regions on a reference or the alleles of
    VCF variants. Attributions explain the logit of a binary task and the prediction in training units of a
    regression task: positive where a base raises the output. ism's A, C, G, T columns hold the output change
    when that base is put at the position; the gradient methods' hold each base's share of the attribution.
    With --filter-motifs, the filters of the model's first convolution also become motifs, compared with known
    ones given by --known-motifs."""
    with reported_errors("genotools-interpret", debug):
        configure(threads, seed)
        device = resolve_device(device)
        if method not in METHODS:
            raise InputError(f"--method {method!r}: choose {', '.join(METHODS)}")
        if sum(x is not None for x in (fasta, regions, vcf)) != 1 or bool(reference) == bool(fasta):
            raise InputError("give exactly one input: --fasta, or --reference with --regions or --vcf")
        if filter_motifs is None and (known_motifs or filter_logos):
            raise InputError("--known-motifs and --filter-logos come with --filter-motifs")
        known = motifs.read_motifs(known_motifs) if known_motifs else []
        network, metadata = load_sequence_model(model)
        if filter_motifs:
            motifs.first_convolution(network)  # a model without one fails before any work
        network.to(device)
        task = one_task(task, metadata["task_names"])
        length = metadata["seq_len"]
        skipped, count = Counter(), 0
        with contextlib.ExitStack() as stack:
            genome = stack.enter_context(Reference(reference)) if reference else None
            table_file = open(stack.enter_context(atomic_output(output)), "w")
            stack.callback(table_file.close)
            bedgraph_path = stack.enter_context(atomic_output(bedgraph)) if bedgraph else None
            logo_folder = stack.enter_context(atomic_directory(logos)) if logos else None
            motif_folder = stack.enter_context(atomic_directory(filter_motifs)) if filter_motifs else None
            filter_logo_folder = stack.enter_context(atomic_directory(filter_logos)) if filter_logos else None
            progress = stack.enter_context(progress_bar(quiet))
            bar = progress.add_task("interpreting", total=None)
            units = (fasta_windows(fasta, length) if fasta else region_windows(genome, regions, length) if regions
                     else variant_windows(genome, vcf, length, skipped))
            table_file.write("\t".join(COLUMNS) + "\n")
            genome_bases, references = [], []
            for block in chunks(units, UNITS_PER_BLOCK):
                windows = [w for unit in block for w in unit]
                onehot = one_hot_many([w.sequence for w in windows], length)
                values, attributions = attribute(
                    network, metadata, onehot, task, method, device, batch_size=batch_size, precision=precision,
                    reverse_complement=reverse_complement, steps=steps)
                if filter_motifs:
                    references.append(onehot[[w.allele != "alt" for w in windows]])
                _table(windows, values, attributions).to_csv(table_file, sep="\t", header=False, index=False,
                                                              float_format="%.6g", na_rep=".")
                if bedgraph:
                    genome_bases += _genome_bases(windows, attributions)
                if logos and count < max_logos:
                    _draw_logos(block[: max_logos - count], attributions, logo_folder, count + 1, f"{method}, {task}")
                count += len(block)
                progress.update(bar, advance=len(block))
            if bedgraph:
                _bedgraph(genome_bases, genome and list(genome.lengths)).to_csv(bedgraph_path, sep="\t", header=False,
                                                                     index=False, float_format="%.6g")
            if filter_motifs:
                onehot = np.concatenate(references) if references else np.zeros((0, length, 4), np.uint8)
                kept = _filter_motifs(network, onehot, device, batch_size, metadata["task_names"].index(task), known,
                                      motif_folder, filter_logo_folder, max_logos)
        if filter_motifs and not kept:
            say(quiet, f"warning: no filter of the model's first convolution has {motifs.MIN_SITES} or more sites in "
                f"the {len(onehot)} sequence(s) given, so {filter_motifs} holds no motifs; give more sequences")
        say(quiet, f"interpreted {count} {'variant' if vcf else 'sequence'}(s) for {task} with {method} into {output}"
            + (f"; {min(count, max_logos)} logo(s) in {logos}" if logos else "")
            + (f"; {kept} filter motif(s) in {filter_motifs}" if filter_motifs else "")
            + ("; alleles left out: " + ", ".join(f"{n} {reason}" for reason, n in skipped.items()) if skipped else ""))


app = single_command_app(
    interpret, "genotools-interpret --model model.safetensors --reference genome.fa --regions peaks.bed "
    "--task ap1_bound --output attributions.tsv --bedgraph attributions.bedgraph --logos logos/")
