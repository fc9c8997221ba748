"""genotools-associate scan on a simulated cohort with known causal variants: how many of them rank in the top k
(k = the number of causal variants) by classical p-value and by neural importance, and in the top k LD clumps of
each ranking, the held-out AUROC of the neural model beside the covariates-only, polygenic-score and elastic-net
baselines, each fold's best epoch, the run time, and the peak memory of the run as a ratio to the int8 genotype
matrix it holds. The cohort's variants are independent, or in linkage disequilibrium within blocks of 20 (--ld,
the correlation of neighbours' latent haplotype values), and its causal variants act additively, dominantly or
recessively, or in interacting pairs (--effects; see genotools.association.simulate).
Run: .venv/bin/python benchmarks/associate.py [--samples 2000] [--variants 10000] [--causal 20] [--ld 0.9]
     [--effects additive|dominance|interaction] [--seed 2] [--device cpu]
     [-- extra scan options, e.g. --folds 2 --epochs 2 for a memory figure alone]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from genotools.association.simulate import EFFECTS, simulate_cohort


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--variants", type=int, default=10_000)
    parser.add_argument("--causal", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--ld", type=float, default=0.0)
    parser.add_argument("--effects", choices=EFFECTS, default="additive")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("scan_options", nargs="*", help="more options for genotools-associate scan")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        started = time.perf_counter()
        vcf, phenotypes, causal, _ = simulate_cohort(work, "bench", args.samples, args.variants, args.causal,
                                                     args.seed, args.ld, args.effects)
        print(f"simulated {args.samples} samples x {args.variants} variants ({args.causal} causal, {args.effects}, "
              f"LD {args.ld}) in "
              f"{time.perf_counter() - started:.0f} s; VCF {vcf.stat().st_size / 2**20:.0f} MiB")
        started = time.perf_counter()
        scan = Path(sys.executable).parent / "genotools-associate"
        subprocess.run([scan, "scan", "--vcf", vcf, "--phenotypes", phenotypes, "--phenotype", "status",
                        "--covariates", "age,sex,PC1..PC2", "--device", args.device, "--threads", str(args.threads),
                        "--quiet", *args.scan_options, "--output-dir", work / "results"], check=True)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**10  # kilobytes on Linux
        variants = pd.read_csv(work / "results" / "variants.tsv", sep="\t")
        metrics = json.loads((work / "results" / "metrics.json").read_text())
        known = set(pd.read_csv(causal, sep="\t").id)
    k = len(known)
    by_p = len(set(variants.nsmallest(k, "p").id) & known) / k
    by_importance = len(set(variants.nlargest(k, "neural_importance").id) & known) / k
    in_top_clumps = {ranking: variants[variants.id.isin(known)][f"{ranking}_clump"].le(k).sum() / k
                     for ranking in ("p", "importance")}
    matrix_mib = metrics["samples"] * metrics["variants"] / 2**20
    print(f"scan: {metrics['samples']} samples x {metrics['variants']} variants after QC, {len(metrics['folds'])} "
          f"folds, {args.device}, {args.threads} thread(s): {seconds:.0f} s")
    print(f"causal variants in the top {k}: by p-value {by_p:.2f}, by neural importance {by_importance:.2f}")
    print(f"causal variants in the top {k} LD clumps: by p-value {in_top_clumps['p']:.2f}, by neural importance "
          f"{in_top_clumps['importance']:.2f}")
    print("held-out AUROC (mean over folds): " + ", ".join(
        f"{method} {value:.3f}" for method, value in metrics["mean"].items()))
    print("best epoch per fold: " + ", ".join(str(fold["best_epoch"]) for fold in metrics["folds"]))
    print(f"genomic inflation {metrics['genomic_inflation']:.3f}")
    print(f"peak memory {peak_mib:.0f} MiB; the int8 genotype matrix {matrix_mib:.0f} MiB; ratio "
          f"{peak_mib / matrix_mib:.1f}")


if __name__ == "__main__":
    main()
