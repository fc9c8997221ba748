"""Small inputs with seeded defects, one of each kind genotools-qc flags, for its tests and its demo.

qc_genome.fa    four contigs of 6 kb; chr3 is 80% N
qc_regions.bed  200-bp windows, labelled bound, activity and unused; `past_end` runs off chr2, `duplicate` repeats
                r1, `overlapping` overlaps r1 and r2, and the `unused` label is 0 everywhere
qc_variants.vcf SNVs with four samples; `ref_mismatch` has a REF the genome does not, `unknown_1` and
                `unknown_2` are on chrUn, which the genome lacks, and sample S4 misses half its genotypes
qc_matrix.tsv   50 genes (rows) by 30 samples (columns) in three batches, batch B raised on half the genes;
                sample S05 misses 40% of its values and gene07 60%, 5% more are missing at random, gene13 is
                constant, and sample S17 is an outlier
qc_samples.tsv  the samples' batch and sex
The output is a pure function of the seed.
"""

from pathlib import Path

import numpy as np
import pysam

CONTIG_LENGTH = 6000
WINDOW, STEP = 200, 300


def _genome(rng):
    contigs = {}
    for c in range(1, 5):
        bases = rng.choice(list("ACGT"), CONTIG_LENGTH)
        contigs[f"chr{c}"] = bases
    contigs["chr1"][1000:1500] = np.char.lower(contigs["chr1"][1000:1500])  # a soft-masked repeat
    contigs["chr3"][600:5400] = "N"
    return {name: "".join(bases) for name, bases in contigs.items()}


def _fasta(genome):
    lines = []
    for name, sequence in genome.items():
        lines.append(f">{name}")
        lines += [sequence[i:i + 60] for i in range(0, len(sequence), 60)]
    return "\n".join(lines) + "\n"


def _regions(rng):
    rows = []
    for chrom in ("chr1", "chr2", "chr4"):
        for start in range(0, CONTIG_LENGTH - WINDOW + 1, STEP):
            rows.append([chrom, start, start + WINDOW, f"r{len(rows) + 1}"])
    rows += [["chr2", CONTIG_LENGTH - 100, CONTIG_LENGTH + 100, "past_end"], ["chr1", 0, WINDOW, "duplicate"],
             ["chr1", 150, 350, "overlapping"]]
    lines = ["#chrom\tstart\tend\tname\tbound\tactivity\tunused"]
    for row in rows:
        bound = int(rng.random() < 0.3)
        lines.append("\t".join(map(str, row)) + f"\t{bound}\t{bound + rng.normal(0, 0.3):.3f}\t0")
    return "\n".join(lines) + "\n"


def _variants(rng, genome):
    samples = ["S1", "S2", "S3", "S4"]
    header = ["##fileformat=VCFv4.2", *(f"##contig=<ID={c},length={len(s)}>" for c, s in genome.items()),
              "##contig=<ID=chrUn>", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples])]
    transition = {"A": "G", "G": "A", "C": "T", "T": "C"}
    sites = [(chrom, int(p)) for chrom in ("chr1", "chr2", "chr4")
             for p in np.sort(rng.choice(np.arange(1, CONTIG_LENGTH), 15, replace=False))]
    mismatch = sites[20]
    records = []
    for number, (chrom, position) in enumerate(sites, start=1):
        ref = genome[chrom][position - 1].upper()
        alt = transition[ref] if rng.random() < 2 / 3 else rng.choice([b for b in "ACGT" if b not in
                                                                          (ref, transition[ref])])
        name = f"v{number}"
        if (chrom, position) == mismatch:
            ref, alt, name = transition[ref], ref, "ref_mismatch"
        records.append([chrom, position, name, ref, alt])
    records += [["chrUn", 100, "unknown_1", "A", "G"], ["chrUn", 200, "unknown_2", "C", "T"]]
    lines = header
    for chrom, position, name, ref, alt in records:
        calls = [("./." if sample == "S4" and rng.random() < 0.5 else rng.choice(["0/0", "0/1", "1/1"]))
                 for sample in samples]
        lines.append("\t".join([chrom, str(position), name, ref, alt, "50", "PASS", ".", "GT", *calls]))
    return "\n".join(lines) + "\n"


def _matrix(rng):
    genes = [f"gene{g:02d}" for g in range(1, 51)]
    samples = [f"S{s:02d}" for s in range(1, 31)]
    batches = np.repeat(["A", "B", "C"], 10)
    values = rng.uniform(2, 10, len(genes)) + rng.normal(0, 1, (len(samples), len(genes)))
    values[np.ix_(batches == "B", np.arange(0, len(genes), 2))] += 2.5
    values[samples.index("S17")] = rng.uniform(0, 14, len(genes))
    values[:, genes.index("gene13")] = 5.0
    values[rng.random(values.shape) < 0.05] = np.nan
    values[samples.index("S05"), rng.random(len(genes)) < 0.4] = np.nan
    values[rng.random(len(samples)) < 0.6, genes.index("gene07")] = np.nan
    lines = ["\t".join(["gene", *samples])]
    lines += ["\t".join([gene, *("NA" if np.isnan(v) else f"{v:.3f}" for v in values[:, g])])
              for g, gene in enumerate(genes)]
    table = ["sample\tbatch\tsex"] + [f"{s}\t{b}\t{rng.choice(['F', 'M'])}" for s, b in zip(samples, batches)]
    return "\n".join(lines) + "\n", "\n".join(table) + "\n"


def simulate_qc(outdir: Path | str, seed: int = 1, prefix: str = "qc_") -> list[Path]:
    """Write the files described above to `outdir`; return their paths."""
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    genome = _genome(rng)
    matrix, samples = _matrix(rng)
    texts = {"genome.fa": _fasta(genome), "regions.bed": _regions(rng), "variants.vcf": _variants(rng, genome),
             "matrix.tsv": matrix, "samples.tsv": samples}
    paths = []
    for name, text in texts.items():
        paths.append(outdir / f"{prefix}{name}")
        paths[-1].write_text(text)
    pysam.faidx(str(outdir / f"{prefix}genome.fa"))
    return paths
