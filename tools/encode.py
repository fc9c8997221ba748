"""genotools-encode: genomic regions or sequences into one-hot tensors in HDF5."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.hdf5 import write_dataset
from genotools.sequence.datasets import encode_fasta, encode_peaks, encode_regions
from genotools.sequence.peaks import OVERLAP_OF, PeakOptions

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

PEAKS = PeakOptions()


def encode(
    output: Annotated[Path, typer.Option("--output", "-o", help="HDF5 file to write.", dir_okay=False)],
    reference: Annotated[Optional[Path], existing_file(
        "Reference genome FASTA (plain or bgzipped; the .fai index is built when missing). Needs --regions or "
        "--peaks.")] = None,
    regions: Annotated[Optional[Path], existing_file(
        "BED regions (plain or gzipped). A '#chrom start end name task1 ...' header makes the columns after "
        "name into labels; with --peaks, the regions to label (without label columns).")] = None,
    peaks: Annotated[list[Path], existing_file(
        "Peaks of one task (narrowPeak, broadPeak or BED; plain or gzipped); repeat for each task. Labels each "
        "--tile or --regions region 1 for the task where its peaks overlap the region by --min-overlap, else "
        "0.")] = [],  # noqa: B006
    task_names: Annotated[list[str], typer.Option(
        help="With --peaks: the task of each peak file, in order (repeat or comma-separate) [default: the file "
        "names less their extensions].")] = [],  # noqa: B006
    tile: Annotated[Optional[int], typer.Option(
        min=1, help="With --peaks: label tiles of this many bases from the start of every contig of the reference, "
        "instead of --regions.")] = None,
    min_overlap: Annotated[float, typer.Option(
        min=0, max=1, help="With --peaks: the fraction of a region (see --overlap-of) a task's peaks must cover "
        "for the label 1; 0: any overlap.")] = PEAKS.min_overlap,
    overlap_of: Annotated[str, typer.Option(
        help="With --peaks: measure --min-overlap as a fraction of the region (covered by the peaks together), "
        "or of a peak (the largest fraction of one peak inside the region): region or peak.")] = PEAKS.overlap_of,
    background: Annotated[Optional[float], typer.Option(
        min=0, help="With --peaks: keep only the regions in a peak (label 1 for some task), and this many regions "
        "in no peak for each of them, drawn (with --seed) to match their GC content [default: keep every "
        "region].")] = PEAKS.background,
    max_n: Annotated[float, typer.Option(
        min=0, max=1, help="With --peaks: leave out windows whose sequence has more than this fraction of N (or "
        "lies past a contig end).")] = PEAKS.max_n,
    exclude: Annotated[Optional[Path], existing_file(
        "With --peaks: leave out windows whose sequence touches a region of this BED (a blacklist such as "
        "ENCODE's).")] = PEAKS.exclude,
    fasta: Annotated[Optional[Path], existing_file(
        "Ready-made sequences to encode instead of --reference/--regions (plain or gzipped FASTA). Records named "
        "by their region, as bedtools getfasta and samtools faidx name them (chr1:100-300), keep its coordinates, "
        "so that genotools-train can hold out chromosomes.")] = None,
    labels: Annotated[Optional[Path], existing_file(
        "With --fasta: TSV of labels, header 'name task1 task2 ...', one row per FASTA record.")] = None,
    seq_len: Annotated[Optional[int], typer.Option(
        "--seq-len", "--context", min=1, help="Window length, centred on each region, tile or sequence and padded "
        "with N past contig ends [default: the common length of the regions, tiles or sequences].")] = None,
    kmer: Annotated[int, typer.Option(min=0, max=8, help="Also store k-mer counts for this k (0: none).")] = 0,
    reverse_complement: Annotated[bool, typer.Option(
        help="Append the reverse complement of every sequence (strand '-') as augmentation.")] = False,
    device: Device = "cpu",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Encode genomic regions or sequences as one-hot tensors (A, C, G, T; N and other IUPAC codes as all
    zeros; soft-masked bases like upper-case ones) in an HDF5 dataset with labels, names, coordinates,
    task names and provenance: labelled BED regions on a reference, tiles or regions labelled by peak files
    (--peaks), or FASTA sequences. Sequences are encoded and written a run at a time, so that a dataset larger
    than memory can be made. Encoding runs on one CPU core: --device and --threads are accepted, like every
    genotools tool takes them, and change nothing; --seed draws the --background regions."""
    with reported_errors("genotools-encode", debug):
        data = _dataset(reference, regions, peaks, task_names, tile, fasta, labels, seq_len, kmer, reverse_complement,
                        PeakOptions(min_overlap, overlap_of, background, max_n, exclude), seed)
        with atomic_output(output) as tmp:
            write_dataset(tmp, data)
        say(quiet, f"encoded {data.count} sequences of {data.seq_len} bp with {len(data.task_names)} "
                   f"task(s) into {output}")


def _dataset(reference, regions, peaks, task_names, tile, fasta, labels, seq_len, kmer, reverse_complement,
             peak_options, seed):
    """The dataset the options ask for, or an InputError naming what is missing or clashes."""
    if fasta and (reference or regions or peaks):
        raise InputError("give either --fasta or --reference with --regions or --peaks, not both")
    if labels and not fasta:
        raise InputError("--labels goes with --fasta; a BED carries its labels in its own columns")
    if fasta:
        return encode_fasta(fasta, labels, seq_len, kmer, reverse_complement)
    if not reference or not (regions or peaks):
        raise InputError("give --reference with --regions or --peaks, or --fasta")
    if not peaks:
        given = [flag for flag, value in (("--tile", tile), ("--task-names", task_names),
                                          ("--background", peak_options.background),
                                          ("--exclude", peak_options.exclude)) if value not in (None, [])]
        if given:
            raise InputError(f"{given[0]} goes with --peaks")
        return encode_regions(reference, regions, seq_len, kmer, reverse_complement)
    if bool(tile) == bool(regions):
        raise InputError("with --peaks, give either --tile or --regions: the regions to label")
    check_choices([("--overlap-of", peak_options.overlap_of, OVERLAP_OF)])
    return encode_peaks(reference, peaks, [name for value in task_names for name in value.split(",") if name], tile,
                        regions, seq_len, peak_options, kmer, reverse_complement, seed)


app = single_command_app(
    encode, "genotools-encode --reference genome.fa --peaks CTCF.narrowPeak --peaks DNase.bed.gz --tile 200 "
    "--context 1000 --background 1 --exclude blacklist.bed --output data.h5")
