"""A simulated case/control cohort with known causal variants, for the tests, the demo and the benchmark.

Variants have ALT-allele frequencies between 0.05 and 0.5, independent by default; with `ld` > 0, each block of
LD_BLOCK neighbouring variants is in linkage disequilibrium: each haplotype carries the ALT allele where a
latent Gaussian, correlated `ld` between neighbours, passes its frequency's quantile. A few causal ones change
the log-odds of disease (and, with other effects, a quantitative biomarker), beside age and sex: through their
dosage (`effects="additive"`), through carrying the ALT allele at all or twice (`"dominance"`: dominant and
recessive in turn), or in pairs, through both variants of a pair carrying it (`"interaction"`), each
standardised over the population. The files carry what QC must catch: samples in only one file, a sample
without a status, samples and variants with many missing calls, rare variants, variants out of Hardy-Weinberg
equilibrium, multiallelic records and variants without an ID. The same seed gives the same files, byte for
byte.
"""

from pathlib import Path

import numpy as np
import pysam
from scipy import stats

from genotools.io.atomic import atomic_output

CHROMS = 5
CHUNK = 1000
LD_BLOCK = 20  # variants; a divisor of CHUNK, so that no block spans two chunks
EFFECTS = ("additive", "dominance", "interaction")
GT_TEXT = np.array(["0/0", "0/1", "1/1", "./."])


def simulate_cohort(output_dir: Path | str, prefix: str = "cohort", samples: int = 600, variants: int = 1000,
                    causal: int = 10, seed: int = 1, ld: float = 0.0, effects: str = "additive") -> list[Path]:
    """Write {prefix}.vcf.gz (+ .tbi), {prefix}_phenotypes.tsv and {prefix}_causal.tsv into `output_dir`;
    returns their paths. Genotypes are drawn and written CHUNK variants at a time, so memory stays small for
    cohorts of any size."""
    if effects not in EFFECTS or (effects == "interaction" and causal % 2):
        raise ValueError(f"effects must be one of {EFFECTS}, with an even number of causal variants for pairs")
    rng = np.random.default_rng(seed)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    frequency = rng.uniform(0.05, 0.5, variants)
    rare = rng.choice(variants, size=max(1, variants // 50), replace=False)
    frequency[rare] = rng.uniform(0.001, 0.004, len(rare))
    out_of_hwe = rng.choice(np.setdiff1d(np.arange(variants), rare), size=max(1, variants // 300), replace=False)
    multiallelic = np.arange(5, variants, 211)
    common = np.setdiff1d(np.flatnonzero(frequency > 0.15), np.concatenate([out_of_hwe, multiallelic]))
    causal_at = np.sort(rng.choice(common, size=causal, replace=False))
    log_odds = rng.choice([-1, 1], causal) * rng.uniform(0.55, 0.9, causal)
    biomarker_effect = rng.choice([-1, 1], causal) * rng.uniform(0.3, 0.5, causal)
    age = rng.normal(55, 10, samples).round().clip(18, 90)
    sex = rng.integers(0, 2, samples)
    poorly_called_samples = rng.choice(samples, size=max(1, samples // 100), replace=False)
    poorly_called_variants = rng.choice(np.setdiff1d(np.arange(variants), causal_at), size=max(1, variants // 200),
                                        replace=False)

    names = [f"S{i + 1:04d}" for i in range(samples + 4)]
    vcf_names, table_names = names[:samples], names[:samples - 4] + names[samples:]  # 4 only in each file
    ids = [f"rs{1000 + 7 * i}" if i % 97 else "." for i in range(variants)]
    chrom_of = np.sort(rng.integers(1, CHROMS + 1, variants))
    positions = np.concatenate([np.sort(rng.choice(np.arange(1000, 5_000_000), size=(chrom_of == c).sum(),
                                                   replace=False)) for c in range(1, CHROMS + 1)])
    bases = np.array(list("ACGT"))
    refs = rng.integers(0, 4, variants)
    alts = (refs + rng.integers(1, 4, variants)) % 4

    paths = [output_dir / f"{prefix}.vcf.gz", output_dir / f"{prefix}_phenotypes.tsv",
             output_dir / f"{prefix}_causal.tsv"]
    header = ["##fileformat=VCFv4.2", "##source=genotools.association.simulate"]
    header += [f"##contig=<ID=chr{c},length=5000000>" for c in range(1, CHROMS + 1)]
    header += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
               "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *vcf_names])]
    causal_genotypes = np.zeros((samples, causal))
    with atomic_output(paths[0]) as tmp, pysam.BGZFile(str(tmp), "wb") as vcf:
        vcf.write(("\n".join(header) + "\n").encode())
        for start in range(0, variants, CHUNK):
            at = np.arange(start, min(start + CHUNK, variants))
            genotypes = (rng.binomial(2, frequency[at], size=(samples, len(at))) if ld == 0 else
                         _haplotype(rng, frequency[at], samples, ld) + _haplotype(rng, frequency[at], samples, ld))
            hwe = np.isin(at, out_of_hwe)
            genotypes[:, hwe] = 2 * rng.binomial(1, 0.4, size=(samples, hwe.sum()))  # no heterozygotes
            missing = rng.random((samples, len(at))) < 0.005
            missing[np.ix_(poorly_called_samples, ~np.isin(at, causal_at))] |= \
                rng.random((len(poorly_called_samples), 1)) < 0.15
            missing[:, np.isin(at, poorly_called_variants)] |= rng.random((samples, 1)) < 0.15
            for k in np.flatnonzero(np.isin(causal_at, at)):
                causal_genotypes[:, k] = genotypes[:, causal_at[k] - start]
            codes = np.where(missing, 3, genotypes)
            lines = []
            for j, variant in enumerate(at):
                alt = bases[alts[variant]]
                if variant in multiallelic:
                    alt += "," + bases[(alts[variant] + 1 + (alts[variant] + 1 == refs[variant])) % 4]
                lines.append("\t".join([f"chr{chrom_of[variant]}", str(positions[variant]), ids[variant],
                                        bases[refs[variant]], alt, ".", "PASS", ".", "GT", *GT_TEXT[codes[:, j]]]))
            vcf.write(("\n".join(lines) + "\n").encode())
    pysam.tabix_index(str(paths[0]), preset="vcf", force=True)

    standardised_causal = _acting(causal_genotypes, frequency[causal_at], effects)
    liability = standardised_causal @ log_odds + 0.04 * (age - 55) + 0.4 * (sex - 0.5)
    status = rng.random(samples) < 1 / (1 + np.exp(-liability))
    biomarker = standardised_causal @ biomarker_effect + 0.02 * (age - 55) + rng.normal(0, 1, samples)
    statuses = np.where(status, "case", "control")[:len(vcf_names) - 4].tolist() + ["case", "control"] * 2
    statuses[7] = "NA"
    table_age = np.concatenate([age[:samples - 4], rng.normal(55, 10, 4).round()])
    table_sex = np.concatenate([sex[:samples - 4], rng.integers(0, 2, 4)])
    table_biomarker = np.concatenate([biomarker[:samples - 4], rng.normal(0, 1, 4)])
    pcs = rng.normal(0, 1, (len(table_names), 2))
    rows = ["sample\tstatus\tbiomarker\tage\tsex\tPC1\tPC2"]
    rows += [f"{name}\t{statuses[i]}\t{table_biomarker[i]:.3f}\t{table_age[i]:.0f}\t{'FM'[table_sex[i]]}\t"
             f"{pcs[i, 0]:.4f}\t{pcs[i, 1]:.4f}" for i, name in enumerate(table_names)]
    with atomic_output(paths[1]) as tmp:
        tmp.write_text("\n".join(rows) + "\n")
    causal_ids = [ids[j] if ids[j] != "." else f"chr{chrom_of[j]}:{positions[j]}:{bases[refs[j]]}:{bases[alts[j]]}"
                  for j in causal_at]
    acts = _how_each_acts(causal_ids, effects)
    if effects == "interaction":  # a pair's effect is its first variant's
        log_odds[1::2], biomarker_effect[1::2] = log_odds[0::2], biomarker_effect[0::2]
    with atomic_output(paths[2]) as tmp:
        tmp.write_text("id\tlog_odds_ratio\tbiomarker_effect\tacts\n" + "".join(
            f"{name}\t{a:.3f}\t{b:.3f}\t{how}\n"
            for name, a, b, how in zip(causal_ids, log_odds, biomarker_effect, acts)))
    return paths + [Path(f"{paths[0]}.tbi")]


def _how_each_acts(ids, effects):
    if effects == "additive":
        return ["dosage"] * len(ids)
    if effects == "dominance":
        return ["dominant" if k % 2 == 0 else "recessive" for k in range(len(ids))]
    return [f"with {ids[k ^ 1]}" for k in range(len(ids))]


def _haplotype(rng, frequency, samples, ld):
    """samples x variants 0/1: ALT where a latent Gaussian, an AR(1) process of correlation `ld` along each
    LD_BLOCK of variants, passes the quantile of the variant's frequency."""
    latent = rng.standard_normal((samples, len(frequency)))
    for j in range(1, len(frequency)):
        if j % LD_BLOCK:
            latent[:, j] = ld * latent[:, j - 1] + np.sqrt(1 - ld ** 2) * latent[:, j]
    return (latent > stats.norm.ppf(1 - frequency)).astype(np.int64)


def _acting(genotypes, frequency, effects):
    """samples x causal: what each causal variant acts through (see the module's description), standardised
    by its expected mean and scale; in "interaction", variants 2k and 2k + 1 act together, as variant 2k."""
    if effects == "additive":
        return (genotypes - 2 * frequency) / np.sqrt(2 * frequency * (1 - frequency))
    carrier = 1 - (1 - frequency) ** 2
    if effects == "dominance":
        dominant = np.arange(len(frequency)) % 2 == 0
        acting = np.where(dominant, genotypes > 0, genotypes == 2)
        share = np.where(dominant, carrier, frequency ** 2)
    else:
        acting = np.zeros(genotypes.shape, bool)
        share = np.zeros(len(frequency))
        acting[:, 0::2] = (genotypes[:, 0::2] > 0) & (genotypes[:, 1::2] > 0)
        share[0::2] = carrier[0::2] * carrier[1::2]
    spread = np.sqrt(share * (1 - share))
    return np.divide(acting - share, spread, out=np.zeros(genotypes.shape), where=spread > 0)
