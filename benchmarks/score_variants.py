"""End-to-end throughput and memory of genotools-score-variants.

1. Variants per second of the whole tool (VCF in, scored bgzipped VCF out) beside the bare model's forward
   throughput on the same REF/ALT windows already one-hot encoded in memory (forward and reverse complement,
   as the tool does); the ratio is the figure.
2. Peak memory of the tool on a VCF 10 times larger: flat when it streams.

The model is the default architecture at its default size with untrained weights (speed does not depend on
training). Run: .venv/bin/python benchmarks/score_variants.py [--variants 20000]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pysam
import torch

from genotools.checkpoint import save_model
from genotools.io.fasta import Reference
from genotools.sequence.encoding import ALPHABET, UNKNOWN_BASE_ENCODING, one_hot_many
from genotools.sequence.inference import predict
from genotools.sequence.models import build_model
from genotools.sequence.training import TrainConfig
from genotools.sequence.variants import allele_window, flanks

TEST_DATA = Path(__file__).resolve().parent.parent / "test-data"
TASKS = ["ap1_bound", "gata_ebox", "activity"]


def write_vcf(path, genome, count, rng):
    """`count` random SNVs, sorted, with REF from the genome."""
    contigs = list(genome.lengths)
    chosen = sorted((int(c), int(p)) for c, p in zip(rng.integers(len(contigs), size=count),
                                                      rng.integers(1, 89_000, size=count)))
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length={n}>\n"
                                                    for c, n in genome.lengths.items()))
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for c, pos in chosen:
            ref = genome.fetch(contigs[c], pos - 1, pos)
            alt = "ACGT"[("ACGT".index(ref) + 1) % 4] if ref in "ACGT" else "A"
            out.write(f"{contigs[c]}\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\n")


def run_tool(model, vcf, out):
    """Seconds and peak resident memory (MB) of one genotools-score-variants run, measured in a fresh process."""
    command = [str(a) for a in [Path(sys.executable).parent / "genotools-score-variants", "--model", model,
                                "--reference", TEST_DATA / "genome.fa", "--vcf", vcf, "--output", out,
                                "--device", "cpu", "--quiet"]]
    script = (f"import resource, subprocess, time; t = time.perf_counter(); subprocess.run({command!r}, check=True); "
              "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    seconds, peak = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                   check=True).stdout.split()
    return float(seconds), float(peak)


def bare_forward(model, metadata, genome, vcf):
    length, windows = metadata["seq_len"], []
    with pysam.VariantFile(str(vcf)) as variants:
        for r in variants:
            site = flanks(genome, r.chrom, r.start, len(r.ref), length)
            windows += [allele_window(site, r.ref, length), allele_window(site, r.alts[0], length)]
    onehot = one_hot_many(windows, length)
    start = time.perf_counter()
    predict(model, metadata, onehot, torch.device("cpu"), batch_size=256)
    return len(windows) / 2 / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=20_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as workdir, Reference(TEST_DATA / "genome.fa") as genome:
        work = Path(workdir)
        model, hyperparameters = build_model(TrainConfig.arch, 200, len(TASKS))
        metadata = {"architecture": TrainConfig.arch, "hyperparameters": hyperparameters, "seq_len": 200,
                    "alphabet": ALPHABET, "unknown_base_encoding": UNKNOWN_BASE_ENCODING, "task_names": TASKS,
                    "task_types": ["binary", "binary", "regression"], "target_mean": [0, 0, 0],
                    "target_std": [1, 1, 1]}
        save_model(work / "model.safetensors", model, metadata)
        small, large = work / "small.vcf", work / "large.vcf"
        write_vcf(small, genome, args.variants, rng)
        write_vcf(large, genome, 10 * args.variants, rng)
        bare = bare_forward(model.eval(), metadata, genome, small)
        seconds, peak = run_tool(work / "model.safetensors", small, work / "small.out.vcf.gz")
        large_seconds, large_peak = run_tool(work / "model.safetensors", large, work / "large.out.vcf.gz")
    tool = args.variants / seconds
    print(f"score-variants, {TrainConfig.arch} (default size), {args.variants} SNVs, "
          f"{torch.get_num_threads()} threads: "
          f"genotools-score-variants {tool:.0f} variants/s end to end   bare forward on the encoded windows "
          f"{bare:.0f} variants/s   ratio {tool / bare:.2f}")
    print(f"peak memory: {args.variants} variants {peak:.0f} MB, {10 * args.variants} variants {large_peak:.0f} MB "
          f"(ratio {large_peak / peak:.2f}); {10 * args.variants / large_seconds:.0f} variants/s on the larger VCF")


if __name__ == "__main__":
    main()
