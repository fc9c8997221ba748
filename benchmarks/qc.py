"""Throughput of genotools-qc on a genome and a VCF of realistic size, each beside a baseline in the same run.

1. The reference check (--reference alone, start-up included): Mbp/s beside the bare composition kernel (the
   file's bytes read and counted with numpy's bincount in one process); the ratio is the figure.
2. The VCF checks against the reference (--reference and --vcf, less the reference check's time): records/s
   beside bcftools doing the same checks (`bcftools stats -s -` for Ti/Tv and per-sample missing genotypes,
   then `bcftools norm -c w -f genome.fa` for REF against the reference); the ratio is the figure.
Peak memory of the tool is reported too. Run: .venv/bin/python benchmarks/qc.py [--mbp 100] [--records 200000]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pysam

SAMPLES = 20


def write_genome(path, mbp, rng):
    """Four contigs of `mbp` / 4 Mbp, random bases with a block of N in each; indexed."""
    lengths = {f"chr{c}": mbp * 1_000_000 // 4 for c in range(1, 5)}
    with open(path, "w") as out:
        for name, length in lengths.items():
            bases = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, length)]
            bases[length // 3: length // 3 + 100_000] = ord("N")
            text = bases.tobytes().decode()
            out.write(f">{name}\n" + "\n".join(text[i:i + 60] for i in range(0, length, 60)) + "\n")
    pysam.faidx(str(path))
    return lengths


def write_vcf(path, genome_path, lengths, records, rng):
    """`records` SNVs spread over the contigs, sorted, REF from the genome, SAMPLES samples with 1% missing."""
    genome = pysam.FastaFile(str(genome_path))
    per_contig = records // len(lengths)
    calls = np.array(["0/0", "0/1", "1/1", "./."])
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c},length={n}>\n" for c, n in lengths.items()))
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        out.write("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                             *(f"S{s}" for s in range(SAMPLES))]) + "\n")
        for chrom, length in lengths.items():
            positions = np.sort(rng.choice(np.arange(1, length), per_contig, replace=False))
            genotypes = calls[rng.choice(4, (per_contig, SAMPLES), p=[0.5, 0.3, 0.19, 0.01])]
            sequence = genome.fetch(chrom)
            for position, row in zip(positions.tolist(), genotypes):
                ref = sequence[position - 1]
                alt = "ACGTA"["ACGT".index(ref) + 1] if ref in "ACGT" else "A"
                out.write(f"{chrom}\t{position}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT\t" + "\t".join(row) + "\n")


def timed(command):
    """Seconds and peak resident memory (MB) of a command run in a fresh process."""
    script = (f"import resource, subprocess, time; t = time.perf_counter(); "
              f"subprocess.run({[str(c) for c in command]!r}, check=True, stdout=subprocess.DEVNULL); "
              "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    seconds, peak = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                   check=True).stdout.split()
    return float(seconds), float(peak)


def bare_composition(path):
    start = time.perf_counter()
    histogram = np.zeros(256, dtype=np.int64)
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            histogram += np.bincount(np.frombuffer(block, dtype=np.uint8), minlength=256)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mbp", type=int, default=100, help="genome size")
    parser.add_argument("--records", type=int, default=200_000, help="VCF records")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    qc = Path(sys.executable).parent / "genotools-qc"
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        genome, vcf = work / "genome.fa", work / "variants.vcf"
        lengths = write_genome(genome, args.mbp, rng)
        write_vcf(vcf, genome, lengths, args.records, rng)
        outputs = ["--report", work / "qc.html", "--summary", work / "qc.json", "--quiet"]
        reference_seconds, reference_peak = timed([qc, "--reference", genome, *outputs])
        both_seconds, both_peak = timed([qc, "--reference", genome, "--vcf", vcf, *outputs])
        stats_seconds, _ = timed(["bcftools", "stats", "-s", "-", vcf])
        norm_seconds, _ = timed(["bcftools", "norm", "-c", "w", "-f", genome, "-Ou", "-o", "/dev/null", vcf])
        bare = bare_composition(genome)
    bases = sum(lengths.values()) / 1e6
    vcf_seconds = both_seconds - reference_seconds
    print(f"reference check, {bases:.0f} Mbp: genotools-qc {bases / reference_seconds:.1f} Mbp/s "
          f"({reference_seconds:.1f} s, peak {reference_peak:.0f} MB); bare bincount {bases / bare:.1f} Mbp/s: "
          f"ratio {bare / reference_seconds:.2f}")
    print(f"VCF checks, {args.records:,} SNVs x {SAMPLES} samples: genotools-qc {args.records / vcf_seconds:,.0f} "
          f"records/s ({vcf_seconds:.1f} s; peak {both_peak:.0f} MB with the reference); bcftools stats + norm -c "
          f"{args.records / (stats_seconds + norm_seconds):,.0f} records/s ({stats_seconds:.1f} + {norm_seconds:.1f} "
          f"s): ratio {(stats_seconds + norm_seconds) / vcf_seconds:.2f}")


if __name__ == "__main__":
    main()
