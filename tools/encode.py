"""genotools-encode: genomic regions or sequences into one-hot tensors in HDF5."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.hdf5 import write_dataset
from genotools.sequence.datasets import encode_fasta, encode_regions

from .common import (
    Debug,
    Device,
    Quiet,
    Seed,
    Threads,
    Version,
    existing_file,
    reported_errors,
    say,
    single_command_app,
)


def encode(
    output: Annotated[Path, typer.Option("--output", "-o", help="HDF5 file to write.", dir_okay=False)],
    reference: Annotated[Optional[Path], existing_file(
        "Reference genome FASTA (plain or bgzipped; the .fai index is built when missing). Needs --regions.")] = None,
    regions: Annotated[Optional[Path], existing_file(
        "BED regions (plain or gzipped). A '#chrom start end name task1 ...' header makes the columns after "
        "name into labels.")] = None,
    fasta: Annotated[Optional[Path], existing_file(
        "Ready-made sequences to encode instead of --reference/--regions (plain or gzipped FASTA). Records named "
        "by their region, as bedtools getfasta and samtools faidx name them (chr1:100-300), keep its coordinates, "
        "so that genotools-train can hold out chromosomes.")] = None,
    labels: Annotated[Optional[Path], existing_file(
        "With --fasta: TSV of labels, header 'name task1 task2 ...', one row per FASTA record.")] = None,
    seq_len: Annotated[Optional[int], typer.Option(
        min=1, help="Window length, centred on each region or sequence and padded with N past contig ends "
        "[default: the common length of the inputs].")] = None,
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
    task names and provenance. Encoding is deterministic and runs on one CPU core: --device, --seed and
    --threads are accepted, like every genotools tool takes them, and change nothing."""
    with reported_errors("genotools-encode", debug):
        if fasta and (reference or regions):
            raise InputError("give either --fasta or --reference with --regions, not both")
        if labels and not fasta:
            raise InputError("--labels goes with --fasta; a BED carries its labels in its own columns")
        if fasta:
            data = encode_fasta(fasta, labels, seq_len, kmer, reverse_complement)
        elif reference and regions:
            data = encode_regions(reference, regions, seq_len, kmer, reverse_complement)
        else:
            raise InputError("give --reference with --regions, or --fasta")
        with atomic_output(output) as tmp:
            write_dataset(tmp, data)
        say(quiet, f"encoded {len(data.names)} sequences of {data.seq_len} bp with {len(data.task_names)} "
                   f"task(s) into {output}")


app = single_command_app(
    encode, "genotools-encode --reference genome.fa --regions regions.bed --seq-len 200 --output data.h5")
