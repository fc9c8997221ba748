"""What reproducible training costs: every tool switches on PyTorch's deterministic algorithms (so that a seed
gives the same model on a GPU too). This times training on the bundled data through the tools' own command
lines with them on, as the tools run, and off, and prints the ratio of the medians (the runs alternate, after
one warm-up run of each tool).
Run: .venv/bin/python benchmarks/determinism.py [--device cuda] [--repeats 3]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from typer.testing import CliRunner

from genotools.tools import drug_response, encode, train

DATA = Path(__file__).resolve().parent.parent / "test-data"
SWITCH = torch.use_deterministic_algorithms


def run(app, args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exit_code:
        sys.exit(f"{' '.join(map(str, args[:2]))}: exit {result.exit_code}\n{result.stderr}{result.exception!r}")


def timed(app, args, deterministic):
    # configure() calls the switch; off, the tool's call is turned into switching it off
    torch.use_deterministic_algorithms = SWITCH if deterministic else (lambda mode: SWITCH(False))
    start = time.perf_counter()
    run(app, args)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda[:N] or mps")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        run(encode.app, ["--reference", DATA / "genome.fa", "--regions", DATA / "regions.bed",
                         "--output", scratch / "data.h5", "--quiet"])
        runs = {
            "train (danq, 3 epochs)": (train.app, [
                "--data", scratch / "data.h5", "--epochs", 3, "--device", args.device, "--quiet",
                "--output", scratch / "model.safetensors"]),
            "drug-response train (cell-blind, 2 folds)": (drug_response.app, [
                "train", "--response", DATA / "response.tsv", "--omics", DATA / "expression.tsv",
                "--drugs", DATA / "drugs.tsv", "--folds", 2, "--ensemble", 2, "--epochs", 10, "--device", args.device,
                "--quiet", "--output", scratch / "drugs.safetensors"]),
        }
        print(f"{'tool':<42} {'deterministic':>13} {'default':>8} {'ratio':>6}")
        for name, (app, tool_args) in runs.items():
            timed(app, tool_args, True)
            seconds = {True: [], False: []}
            for _ in range(args.repeats):
                for deterministic in (True, False):
                    seconds[deterministic].append(timed(app, tool_args, deterministic))
            on, off = statistics.median(seconds[True]), statistics.median(seconds[False])
            print(f"{name:<42} {on:>12.1f}s {off:>7.1f}s {on / off:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
