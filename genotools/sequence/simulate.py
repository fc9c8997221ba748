"""A small synthetic genome whose labels follow a known motif grammar, for tests, demos and benchmarks.

Three tasks, decided by scanning each region's sequence on both strands:
  ap1_bound  1 when the region holds an AP-1 site (TGASTCA)
  gata_ebox  1 when it holds both a GATA site (AGATAA) and an E-box (CACGTG): a cooperative grammar
  activity   number of AP-1 sites + 1.5 x gata_ebox + Gaussian noise (sd 0.2): a regression task
Variants are single-base changes inside motifs (which destroy them), changes one base away from a motif (which
create one) and changes away from any motif (neutral), plus a few insertions and deletions. Each variant's INFO
holds TRUE_DELTA_<task>: the noise-free change of each task's label that the variant makes to its region.
The output is a pure function of the seed, so the files in test-data/ can be regenerated and compared.
"""

import re
from pathlib import Path

import numpy as np
import pysam

from genotools.io.fasta import reverse_complement

# Each pattern matches the site on either strand (AP-1 and the E-box are their own reverse complements).
MOTIFS = {"ap1": "TGA[CG]TCA", "gata": "AGATAA|TTATCT", "ebox": "CACGTG"}
PLANTED = {"ap1": ["TGACTCA", "TGAGTCA"], "gata": ["AGATAA"], "ebox": ["CACGTG"]}
TASKS = ["ap1_bound", "gata_ebox", "activity"]
PEAK_MOTIFS = ["ap1", "gata"]  # the motifs whose sites become the peaks of a peak file each
_SCANNERS = {name: re.compile(f"(?=({pattern}))") for name, pattern in MOTIFS.items()}


def motif_counts(sequence: str) -> dict[str, int]:
    sequence = sequence.upper()
    return {name: len(scanner.findall(sequence)) for name, scanner in _SCANNERS.items()}


def grammar(sequence: str) -> tuple[float, float, float]:
    """Noise-free labels of a sequence: (ap1_bound, gata_ebox, activity)."""
    counts = motif_counts(sequence)
    both = float(counts["gata"] > 0 and counts["ebox"] > 0)
    return float(counts["ap1"] > 0), both, counts["ap1"] + 1.5 * both


def simulate(outdir: Path | str, seed: int = 1, n_chroms: int = 9, chrom_len: int = 90_000, region_len: int = 200,
             stride: int = 100, site_spacing: int = 150) -> tuple[Path, ...]:
    """Write genome.fa (+ .fai), regions.bed (and regions_small.bed, every tenth region), sequences.fa with
    sequences_labels.tsv, ap1.narrowPeak and gata.narrowPeak (peaks on the sites of each motif), blacklist.bed
    (the soft-masked repeats) and variants.vcf to `outdir`; return their paths.

    Motif sites are planted about every `site_spacing` bases, each a random motif in a random orientation; the
    regions tile every chromosome with windows of `region_len` every `stride` bases.
    """
    rng = np.random.default_rng(seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    genome, sites, repeats = {}, [], []
    for c in range(1, n_chroms + 1):
        chrom = f"chr{c}"
        seq = list(rng.choice(np.frombuffer(b"ACGT", np.uint8), chrom_len, p=[0.3, 0.2, 0.2, 0.3]).tobytes().decode())
        for position in np.sort(rng.integers(0, chrom_len - 8, chrom_len // site_spacing)).tolist():
            motif = PLANTED[list(PLANTED)[int(rng.integers(len(PLANTED)))]]
            site = motif[int(rng.integers(len(motif)))]
            site = reverse_complement(site) if rng.random() < 0.5 else site
            seq[position : position + len(site)] = site
            sites.append((chrom, position, len(site)))
        masked = int(rng.integers(0, chrom_len - 2000))  # a soft-masked repeat
        seq[masked : masked + 2000] = "".join(seq[masked : masked + 2000]).lower()
        repeats.append(f"{chrom}\t{masked}\t{masked + 2000}\trepeat\n")
        genome[chrom] = "".join(seq)
    genome["chr1"] = "N" * 150 + genome["chr1"][150:]  # an assembly gap at a contig end

    fasta = outdir / "genome.fa"
    with open(fasta, "w") as out:
        for chrom, seq in genome.items():
            out.write(f">{chrom}\n")
            out.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    pysam.faidx(str(fasta))

    header = "#" + "\t".join(["chrom", "start", "end", "name", *TASKS]) + "\n"
    rows = []
    for chrom, seq in genome.items():
        for start in range(0, len(seq) - region_len + 1, stride):
            ap1, both, activity = grammar(seq[start : start + region_len])
            activity += rng.normal(0, 0.2)
            rows.append(f"{chrom}\t{start}\t{start + region_len}\t{chrom}:{start}-{start + region_len}\t"
                        f"{ap1:.0f}\t{both:.0f}\t{activity:.3f}\n")
    bed, small_bed = outdir / "regions.bed", outdir / "regions_small.bed"
    bed.write_text(header + "".join(rows))
    small_bed.write_text(header + "".join(rows[::10]))  # every tenth region, for quick tests

    # The first chr9 windows as ready-made sequences with their labels, for the --fasta inputs.
    chr9 = [row.split("\t") for row in rows if row.startswith("chr9\t")][:40]
    sequences, labels = outdir / "sequences.fa", outdir / "sequences_labels.tsv"
    sequences.write_text("".join(f">{r[3]}\n{genome['chr9'][int(r[1]) : int(r[2])]}\n" for r in chr9))
    labels.write_text("\t".join(["name", *TASKS]) + "\n" + "".join("\t".join(r[3:]) for r in chr9))

    peaks = [outdir / f"{motif}.narrowPeak" for motif in PEAK_MOTIFS]
    for path, motif in zip(peaks, PEAK_MOTIFS):
        path.write_text(_peaks(genome, motif, region_len // 2))
    blacklist = outdir / "blacklist.bed"
    blacklist.write_text("".join(repeats))

    vcf = outdir / "variants.vcf"
    _write_variants(vcf, genome, sites, rng, flank=region_len // 2)
    return fasta, bed, small_bed, sequences, labels, *peaks, blacklist, vcf


def _peaks(genome, motif, flank):
    """narrowPeak lines of a peak `flank` bases either side of every site of `motif`, its summit on the site."""
    lines = []
    for chrom, seq in genome.items():
        for number, site in enumerate(_SCANNERS[motif].finditer(seq.upper()), start=1):
            start, end = max(0, site.start() - flank), min(len(seq), site.start() + flank)
            lines.append(f"{chrom}\t{start}\t{end}\t{motif}_{chrom}_{number}\t1000\t.\t10\t-1\t-1\t"
                         f"{site.start() - start}\n")
    return "".join(lines)


def _write_variants(path, genome, sites, rng, flank, count=200):
    """Variants of four kinds in turn (inside a site, creating an AP-1 site, random SNV, indel), each with the
    change it makes to the noise-free labels of the sequence `flank` bases either side of it."""
    records = set()
    for attempt in range(100 * count):  # bounded: a tiny genome may hold fewer distinct variants
        if len(records) == count:
            break
        kind = attempt % 4
        if kind == 0:
            chrom, position, length = sites[int(rng.integers(len(sites)))]
            position += int(rng.integers(1, length - 1))
        else:
            chrom = list(genome)[int(rng.integers(len(genome)))]
            position = int(rng.integers(flank, len(genome[chrom]) - flank))
        seq = genome[chrom]
        if kind == 1:
            change = _ap1_creating_change(seq, position, flank)
            if change is None:
                continue
            position, alt = change
        ref = seq[position : position + (3 if kind == 3 and rng.random() < 0.5 else 1)]
        if not flank <= position < len(seq) - flank - len(ref) or not ref.isupper() or "N" in ref:
            continue
        if kind == 3:
            alt = ref[0] if len(ref) == 3 else ref + "".join(rng.choice(list("ACGT"), 2))
        elif kind != 1:
            alt = str(rng.choice([b for b in "ACGT" if b != ref]))
        left, right = seq[position - flank : position], seq[position + len(ref) : position + len(ref) + flank]
        delta = tuple(a - r for r, a in zip(grammar(left + ref + right), grammar(left + alt + right)))
        records.add((chrom, position + 1, ref, alt, delta))
    order = {chrom: i for i, chrom in enumerate(genome)}
    with open(path, "w") as out:
        out.write("##fileformat=VCFv4.2\n##source=genotools.sequence.simulate\n##reference=genome.fa\n")
        out.writelines(f"##contig=<ID={chrom},length={len(seq)}>\n" for chrom, seq in genome.items())
        for task in TASKS:
            out.write(f'##INFO=<ID=TRUE_DELTA_{task},Number=1,Type=Float,Description="Noise-free change of the '
                      f'{task} label of the {2 * flank}-bp sequence around the variant caused by the ALT allele">\n')
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for i, (chrom, pos, ref, alt, delta) in enumerate(sorted(records, key=lambda r: (order[r[0]], r[1], r[3]))):
            info = ";".join(f"TRUE_DELTA_{task}={d:g}" for task, d in zip(TASKS, delta))
            out.write(f"{chrom}\t{pos}\tvar{i + 1}\t{ref}\t{alt}\t.\tPASS\t{info}\n")


def _ap1_creating_change(seq, around, flank):
    """(position, base) of the first change from `around` on that creates an AP-1 site where none was, or None."""
    for position in range(around, min(around + 2000, len(seq) - flank)):
        before, after = seq[position - 6 : position], seq[position + 1 : position + 7]
        if _SCANNERS["ap1"].search(before + seq[position] + after):
            continue
        for base in "ACGT":
            if _SCANNERS["ap1"].search(before + base + after):
                return position, base
    return None
