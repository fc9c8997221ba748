"""Datasets of DeepSEA's size on one small machine. For each size, `genotools-encode` builds that many windows of
1,000 bp (tiles of 200 bp labelled by three peak files) from a generated genome, and `genotools-train` trains on
them for one epoch twice: streaming the sequences from the file (--loading stream), and with them loaded into memory
(--loading memory, today's loop). Each command's wall time, throughput and peak memory (its maximum resident set,
from the kernel) are printed beside the size of the one-hot array.

The genome is random sequence whose GC content drifts along it, and the peaks are random too: the figures measure
scale (time and memory), not accuracy. The network is the default architecture (DanQ) at a quarter of its width,
so that an epoch of 800,000 windows takes minutes on two cores; the k-mer fallback is fitted as by default.

Run: .venv/bin/python benchmarks/genome_scale.py [--windows 100000 1000000] [--workdir DIR] [--threads 2]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

TILE, CONTEXT, CONTIGS, TASKS = 200, 1000, 10, 3  # chr8 and chr9 are held out for validation and test
NETWORK = ["--param", "channels=64", "--param", "lstm_hidden=32", "--param", "hidden=64"]
PEAK_EVERY, PEAK_WIDTH = 5_000, 300  # bases: one peak per 5 kb per task on average, of 300 bp


def write_genome(path, bases, rng):
    """CONTIGS contigs of random sequence (GC content drifting between 0.35 and 0.6 every 100 kb), FASTA lines of
    60 bases."""
    per_contig = bases // CONTIGS
    with open(path, "wb") as fasta:
        for contig in range(1, CONTIGS + 1):
            gc = np.repeat(rng.uniform(0.35, 0.6, per_contig // 100_000 + 1), 100_000)[:per_contig]
            strong = rng.random(per_contig) < gc
            codes = np.where(strong, rng.choice(np.frombuffer(b"GC", np.uint8), per_contig),
                             rng.choice(np.frombuffer(b"AT", np.uint8), per_contig)).astype(np.uint8)
            rows = len(codes) // 60
            lines = np.concatenate([codes[: rows * 60].reshape(rows, 60), np.full((rows, 1), ord("\n"), np.uint8)],
                                   axis=1)
            fasta.write(f">chr{contig}\n".encode() + lines.tobytes() + codes[rows * 60 :].tobytes() + b"\n")
    return per_contig


def write_peaks(path, contig_length, rng):
    with open(path, "w") as bed:
        for contig in range(1, CONTIGS + 1):
            starts = np.sort(rng.integers(0, contig_length - PEAK_WIDTH, contig_length // PEAK_EVERY))
            bed.writelines(f"chr{contig}\t{s}\t{s + PEAK_WIDTH}\n" for s in starts.tolist())


def measured(command):
    """Run `command`; return its wall seconds and peak resident memory in bytes."""
    start = time.perf_counter()
    process = subprocess.Popen([str(part) for part in command])
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"{command[0]} failed (exit {process.returncode})")
    return time.perf_counter() - start, usage.ru_maxrss * 1024


def encode(windows, workdir, bin_dir):
    """Build the genome and peaks, then time `genotools-encode`; return the dataset's path."""
    rng = np.random.default_rng(0)
    contig_length = write_genome(workdir / "genome.fa", windows * TILE + CONTIGS * CONTEXT, rng)
    peaks = []
    for task in range(TASKS):
        peaks += ["--peaks", workdir / f"task{task + 1}.bed"]
        write_peaks(peaks[-1], contig_length, rng)
    subprocess.run(["samtools", "faidx", workdir / "genome.fa"], check=True)
    data = workdir / "data.h5"
    seconds, memory = measured([bin_dir / "genotools-encode", "--reference", workdir / "genome.fa", *peaks,
                                "--tile", TILE, "--context", CONTEXT, "--output", data, "--quiet"])
    with h5py.File(data) as store:
        windows = len(store["names"])  # the tiles left after those more than 10% N (at contig ends)
    onehot = windows * CONTEXT * 4
    print(f"{windows:,} windows  genotools-encode from {TASKS} peak files: {seconds:,.0f} s "
          f"({windows * CONTEXT / seconds / 1e6:.1f} Mbp/s), peak memory {memory / 2**30:.2f} GiB beside a one-hot "
          f"array of {onehot / 2**30:.2f} GiB; file {data.stat().st_size / 2**30:.2f} GiB")
    return data, windows


def train(data, windows, loading, threads, bin_dir):
    model = data.with_name(f"{loading}.safetensors")
    seconds, memory = measured([bin_dir / "genotools-train", "--data", data, "--loading", loading, "--epochs", 1,
                                "--threads", threads, "--device", "cpu", *NETWORK, "--output", model, "--quiet"])
    metrics = json.loads(model.with_suffix(".metrics.json").read_text())
    record, trained = metrics["history"][0], metrics["sequences"]["train"]
    print(f"{windows:,} windows  genotools-train --loading {loading:6}: {seconds:,.0f} s in all, "
          f"{trained / record['train_seconds']:,.0f} seq/s in the training loop "
          f"({trained / record['seconds']:,.0f} with validation), peak memory {memory / 2**30:.2f} GiB; "
          f"test AUROC {np.mean([task['auroc'] for task in metrics['test'].values()]):.3f} (random labels: 0.5)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--windows", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="dataset sizes, in tiles [100,000 and 1,000,000]")
    parser.add_argument("--workdir", type=Path, help="where the genome and dataset go [a temporary folder]")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads for training [2]")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    for windows in args.windows:
        with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
            data, windows = encode(windows, Path(workdir), bin_dir)
            for loading in ("stream", "memory"):
                train(data, windows, loading, args.threads, bin_dir)


if __name__ == "__main__":
    main()
