"""LD clumping of a ranked variant list, as PLINK's --clump and PRSice do it, so that the variants in linkage
disequilibrium with a strong signal do not crowd the top of the list.

Down the ranking, the best variant not yet in a clump leads a new one, and takes in every variant not yet in a
clump, on its chromosome within `window` bp, whose genotypes correlate with its own with r² of at least `r2`.
Only the top CLUMPED of a ranking are clumped: the head of the list is what a reader follows up, and it bounds
the work and memory (samples x CLUMPED float32 dosages) for cohorts of any size.
"""

from dataclasses import dataclass

import numpy as np

from genotools.association.regression import dosages, variants_per_block

CLUMPED = 1000
R2, WINDOW_KB = 0.1, 250  # PRSice's defaults


@dataclass
class Clumps:
    lead: np.ndarray  # per variant: the index of its clump's lead variant (itself for a lead), -1 if not clumped
    rank: np.ndarray  # per variant: its clump's place in the ranking (1 = the best lead), 0 if not clumped


def clump(genotypes: np.ndarray, chroms: list, positions: list, order: np.ndarray, r2: float = R2,
          window: int = WINDOW_KB * 1000) -> Clumps:
    """Clumps of the int8 genotypes' (samples x variants) variants, ranked best first by `order`."""
    top = np.asarray(order[:CLUMPED])
    values = np.empty((len(genotypes), len(top)), dtype=np.float32)
    block_size = variants_per_block(len(genotypes))
    for start in range(0, len(top), block_size):  # float64 work in blocks, as elsewhere
        values[:, start:start + block_size] = dosages(genotypes[:, top[start:start + block_size]])
    values -= values.mean(0)
    scale = values.std(0)
    values /= np.where(scale > 0, scale, 1.0)
    chrom = np.asarray(chroms, dtype=object)[top]
    position = np.asarray(positions, dtype=np.int64)[top]
    lead_of = np.full(len(top), -1)
    for i in range(len(top)):
        if lead_of[i] >= 0:
            continue
        lead_of[i] = i
        near = np.flatnonzero((lead_of < 0) & (chrom == chrom[i]) & (np.abs(position - position[i]) <= window))
        correlation = values[:, near].T @ values[:, i] / len(values)
        lead_of[near[correlation ** 2 >= r2]] = i
    lead = np.full(genotypes.shape[1], -1)
    rank = np.zeros(genotypes.shape[1], dtype=np.int64)
    lead[top] = top[lead_of]
    leads = np.flatnonzero(lead_of == np.arange(len(top)))
    rank[top] = np.searchsorted(leads, lead_of) + 1
    return Clumps(lead, rank)
