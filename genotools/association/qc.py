"""Genotype QC before modelling: samples by call rate over all variants first, then variants (on the kept
samples) by call rate, minor-allele frequency and Hardy-Weinberg equilibrium. Every removal is recorded with
its reason, so that qc.tsv says what was left out and why.

The Hardy-Weinberg test is the exact test of Wigginton, Cutler and Abecasis (2005) on hard calls (a dosage is
rounded to the nearest genotype), in controls for a case/control trait and in all samples for a quantitative one.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from genotools.association.genotypes import DOSAGE_SCALE, MISSING, GenotypeBlocks


@dataclass
class Thresholds:
    sample_call_rate: float = 0.95
    variant_call_rate: float = 0.95
    maf: float = 0.01
    hwe: float = 1e-6


@dataclass
class Removal:
    kind: str  # sample or variant
    id: str
    reason: str
    value: float | None = None


def sample_call_rates(blocks: Iterable[np.ndarray], n_samples: int) -> np.ndarray:
    called = np.zeros(n_samples, dtype=np.int64)
    total = 0
    for block in blocks:
        called += (block != MISSING).sum(0)
        total += len(block)
    return called / max(total, 1)


def variant_statistics(block: np.ndarray,
                       hwe_samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(call rate, ALT-allele frequency, HWE p-value) of each variant (row) of an int8 block over its samples
    (columns); the HWE test runs over the columns `hwe_samples`."""
    called = block != MISSING
    n_called = called.sum(1)
    dosage_sum = np.where(called, block, 0).sum(1, dtype=np.int64) / DOSAGE_SCALE
    frequency = np.divide(dosage_sum, 2 * n_called, out=np.full(len(block), np.nan), where=n_called > 0)
    calls = np.rint(block[:, hwe_samples] / DOSAGE_SCALE)
    counted = block[:, hwe_samples] != MISSING
    counts = [((calls == g) & counted).sum(1) for g in (0, 1, 2)]
    hwe = np.array([hwe_exact(*c) for c in zip(*counts)])
    return n_called / block.shape[1], frequency, hwe


def hwe_exact(hom_ref: int, het: int, hom_alt: int) -> float:
    """The exact two-sided Hardy-Weinberg p-value (Wigginton et al. 2005): the total probability, given the
    allele counts, of every heterozygote count no more likely than the one observed."""
    n = hom_ref + het + hom_alt
    rare = min(2 * hom_ref + het, 2 * hom_alt + het)
    if n == 0 or rare == 0:
        return 1.0
    hets = np.arange(rare % 2, rare + 1, 2)
    hom_rare = (rare - hets) // 2
    hom_common = n - hets - hom_rare
    log_p = (gammaln(n + 1) - gammaln(hom_common + 1) - gammaln(hets + 1) - gammaln(hom_rare + 1)
             + hets * np.log(2))
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    observed = p[np.searchsorted(hets, het)]
    return float(min(1.0, p[p <= observed * (1 + 1e-7)].sum()))


def run_qc(cohort: GenotypeBlocks, sample_names: list[str], hwe_samples: np.ndarray,
           thresholds: Thresholds) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Removal]]:
    """(kept sample indices, kept variant indices, allele frequencies of the kept variants, removals) of the
    GenotypeBlocks `cohort`, whose columns are `sample_names`; `hwe_samples` (a boolean mask) are the samples
    for the HWE test."""
    removals = []
    rates = sample_call_rates(cohort.blocks, len(sample_names))
    kept_samples = np.flatnonzero(rates >= thresholds.sample_call_rate)
    removals += [Removal("sample", sample_names[i], "call rate", rates[i])
                 for i in np.flatnonzero(rates < thresholds.sample_call_rate)]
    hwe_columns = np.flatnonzero(hwe_samples[kept_samples])
    kept_variants, frequencies, start = [], [], 0
    for block in cohort.blocks:
        call_rate, frequency, hwe = variant_statistics(block[:, kept_samples], hwe_columns)
        maf = np.minimum(frequency, 1 - frequency)
        for row in range(len(block)):
            name = cohort.variants.ids[start + row]
            if call_rate[row] < thresholds.variant_call_rate:
                removals.append(Removal("variant", name, "call rate", call_rate[row]))
            elif maf[row] == 0 or maf[row] < thresholds.maf:
                removals.append(Removal("variant", name, "monomorphic" if maf[row] == 0 else "MAF", maf[row]))
            elif hwe[row] < thresholds.hwe:
                removals.append(Removal("variant", name, "HWE", hwe[row]))
            else:
                kept_variants.append(start + row)
                frequencies.append(frequency[row])
        start += len(block)
    return kept_samples, np.array(kept_variants, dtype=np.int64), np.array(frequencies), removals


def kept_matrix(cohort: GenotypeBlocks, kept_samples: np.ndarray, kept_variants: np.ndarray) -> np.ndarray:
    """The samples x variants int8 matrix of the kept samples and variants, built while the cohort's blocks are
    released one by one, so that the genotypes are held about once."""
    matrix = np.empty((len(kept_samples), len(kept_variants)), dtype=np.int8)
    start, filled = 0, 0
    while cohort.blocks:
        block = cohort.blocks.pop(0)
        rows = kept_variants[(kept_variants >= start) & (kept_variants < start + len(block))] - start
        matrix[:, filled:filled + len(rows)] = block[rows][:, kept_samples].T
        start, filled = start + len(block), filled + len(rows)
    return matrix
