"""One-hot encoding throughput, each figure beside a plain memory copy of the same output bytes in the same run.

1. The kernel alone (genotools.sequence.encoding.one_hot) on one core, over one long random sequence.
2. The whole `genotools-encode` run, from a FASTA + BED on disk to the HDF5 file.

Run: .venv/bin/python benchmarks/encode.py [--mbp 100]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

from genotools.sequence.encoding import one_hot  # noqa: E402

PUBLISHED_FASTEST = 155  # Mbp/s, the fastest published Python one-hot encoder we know of


def best_seconds(function, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def copy_seconds(n_bytes):
    source, target = np.ones(n_bytes, dtype=np.uint8), np.empty(n_bytes, dtype=np.uint8)
    return best_seconds(lambda: np.copyto(target, source))


def kernel(mbp):
    n = int(mbp * 1e6)
    sequence = np.random.default_rng(0).choice(np.frombuffer(b"ACGTacgtN", np.uint8), n).tobytes()
    out = np.empty((n, 4), dtype=np.uint8)
    encode = best_seconds(lambda: one_hot(sequence, out=out))
    copy = copy_seconds(out.nbytes)
    print(f"one-hot kernel, 1 core, {mbp:g} Mbp:  {n / encode / 1e6:8.0f} Mbp/s   "
          f"memory copy of its {out.nbytes / 1e6:.0f} MB output: {n / copy / 1e6:8.0f} Mbp/s   "
          f"ratio {copy / encode:.2f}   ({n / encode / 1e6 / PUBLISHED_FASTEST:.1f}x the fastest published "
          f"Python encoder, ~{PUBLISHED_FASTEST} Mbp/s)")


def whole_tool(mbp, workdir):
    rng = np.random.default_rng(1)
    chroms, chrom_len, window = 10, 2_000_000, 1000
    with open(workdir / "genome.fa", "w") as fasta:
        for c in range(chroms):
            seq = rng.choice(np.frombuffer(b"ACGT", np.uint8), chrom_len).tobytes().decode()
            fasta.write(f">chr{c + 1}\n" + "\n".join(seq[i : i + 60] for i in range(0, chrom_len, 60)) + "\n")
    n_regions = int(mbp * 1e6 / window)
    starts = rng.integers(0, chrom_len - window, n_regions)
    with open(workdir / "regions.bed", "w") as bed:
        bed.write("#chrom\tstart\tend\tname\tlabel\n")
        bed.writelines(f"chr{i % chroms + 1}\t{s}\t{s + window}\tr{i}\t{i % 2}\n" for i, s in enumerate(starts))
    command = [str(Path(sys.executable).parent / "genotools-encode"), "--reference", str(workdir / "genome.fa"),
               "--regions", str(workdir / "regions.bed"), "--output", str(workdir / "data.h5"), "--quiet"]
    subprocess.run(command, check=True)  # builds the .fai index and warms the page cache
    encode = best_seconds(lambda: subprocess.run(command, check=True), repeats=3)
    n = n_regions * window
    copy = copy_seconds(n * 4)
    print(f"genotools-encode, FASTA+BED -> HDF5, {n_regions} x {window} bp: {n / encode / 1e6:8.1f} Mbp/s   "
          f"memory copy of its {n * 4 / 1e6:.0f} MB output: {n / copy / 1e6:8.0f} Mbp/s   ratio {copy / encode:.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mbp", type=float, default=100, help="megabases to encode [100]")
    args = parser.parse_args()
    kernel(args.mbp)
    with tempfile.TemporaryDirectory() as workdir:
        whole_tool(args.mbp / 4, Path(workdir))
