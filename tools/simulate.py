"""genotools-simulate: the synthetic genome, labelled regions and variants used by the tests and the demo."""

from pathlib import Path
from typing import Annotated

import typer

from genotools.sequence.simulate import simulate

from .common import Debug, Device, Quiet, Seed, Threads, Version, reported_errors, say, single_command_app


def simulate_command(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder to write into.", file_okay=False)],
    chroms: Annotated[int, typer.Option(min=3, help="Number of chromosomes (chr1 ...).")] = 9,
    chrom_len: Annotated[int, typer.Option(min=3000, help="Length of each chromosome.")] = 90_000,
    device: Device = "cpu",
    seed: Seed = 1,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Write a synthetic genome (genome.fa + .fai) with planted AP-1, GATA and E-box motifs, 200-bp regions
    labelled by a known motif grammar (regions.bed: ap1_bound, gata_ebox, activity) and variants with their
    true effect on each label (variants.vcf). The same seed gives the same files, byte for byte. It runs on
    one CPU core: --device and --threads are accepted, like every genotools tool takes them, and change nothing."""
    with reported_errors("genotools-simulate", debug):
        paths = simulate(output_dir, seed=seed, n_chroms=chroms, chrom_len=chrom_len)
        say(quiet, "wrote " + ", ".join(str(p) for p in paths))


app = single_command_app(simulate_command, "genotools-simulate --output-dir test-data --seed 1")
