"""The classical per-variant tests, vectorised over a block of variants.

Each variant is tested in its own regression of the trait on an intercept, the covariates and the variant's
dosage; a missing genotype takes the mean dosage of the variant's called samples (mean imputation).
- Linear (quantitative trait): the trait and the dosages are residualised on the covariates through a QR
  decomposition (Frisch-Waugh-Lovell), which gives exactly the least-squares effect and its t-test.
- Logistic (case/control): per-variant Newton-Raphson (IRLS) run on the whole block at once, started from the
  covariates-only fit; the Wald test of the dosage's coefficient. Where the variant separates cases from
  controls (carried only by cases, say, as rare variants often are) or the fit does not converge, Firth's
  penalised regression takes its place, as PLINK 2's firth-fallback does: its estimate stays finite, and it is
  tested by penalised likelihood ratio.
Results match statsmodels' OLS and Logit, and Firth's a direct maximisation of the penalised likelihood
(tests/test_associate.py).
"""

from collections.abc import Callable

import numpy as np
from scipy import stats
from scipy.special import expit

from genotools.association.genotypes import DOSAGE_SCALE, MISSING

MAX_ITERATIONS = 50
TOLERANCE = 1e-10
FIRTH_MAX_STEP = 5.0  # as R's logistf: no coefficient moves further in one step, so early steps do not overshoot
FIRTH_HALVINGS = 20
# Firth's steps use the information, not the penalised likelihood's own curvature: near the maximum they can
# swing about it by more than the likelihood can resolve (a lone carrier: 1e-8), so they stop sooner
FIRTH_TOLERANCE = 1e-6
BLOCK_VALUES = 2**21  # genotypes per block of variants (16 MiB as float64): memory stays flat for any cohort


def variants_per_block(n_samples: int) -> int:
    return max(16, BLOCK_VALUES // max(n_samples, 1))


def dosages(block: np.ndarray) -> np.ndarray:
    """Float64 dosages (samples x variants) of an int8 block, a missing genotype set to its variant's mean."""
    called = block != MISSING
    values = block.astype(np.float64) / DOSAGE_SCALE
    counts = called.sum(0)
    means = np.divide(np.where(called, values, 0).sum(0), counts, out=np.zeros(block.shape[1]), where=counts > 0)
    return np.where(called, values, means)


def design_matrix(covariates: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """An intercept and the covariates, standardised by the mean and scale of `reference` (default: their own)."""
    reference = covariates if reference is None else reference
    scale = reference.std(0)
    return np.column_stack([np.ones(len(covariates)),
                            (covariates - reference.mean(0)) / np.where(scale > 0, scale, 1.0)])


def linear_tests(genotypes: np.ndarray, trait: np.ndarray,
                 design: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(beta, se, p) of each column of `genotypes` (samples x variants) in a least-squares regression of
    `trait` on `design` and that column."""
    q, _ = np.linalg.qr(design)
    trait_residual = trait - q @ (q.T @ trait)
    residual = genotypes - q @ (q.T @ genotypes)
    sum_squares = (residual ** 2).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = residual.T @ trait_residual / sum_squares
        df = len(trait) - design.shape[1] - 1
        residual_variance = (trait_residual @ trait_residual - beta ** 2 * sum_squares) / df
        se = np.sqrt(residual_variance / sum_squares)
        p = 2 * stats.t.sf(np.abs(beta / se), df)
    return beta, se, p


def logistic_fit(design: np.ndarray, trait: np.ndarray) -> np.ndarray:
    """Coefficients of the logistic regression of `trait` (0/1) on `design`, by Newton-Raphson."""
    coefficients = np.zeros(design.shape[1])
    for _ in range(MAX_ITERATIONS):
        mu = expit(design @ coefficients)
        hessian = design.T @ (design * (mu * (1 - mu))[:, None])
        step = np.linalg.lstsq(hessian, design.T @ (trait - mu), rcond=None)[0]
        coefficients += step
        if np.abs(step).max() < TOLERANCE:
            break
    return coefficients


def firth_fit(design: np.ndarray, trait: np.ndarray,
              free: np.ndarray | None = None) -> tuple[np.ndarray, float] | None:
    """(coefficients, maximum) of Firth's logistic regression of `trait` (0/1) on `design`, which maximises the
    penalised log-likelihood, log L + 1/2 log |information| (Firth 1993); None if it does not converge. Only the
    `free` coefficients (a mask; default all) are fitted, the others stay 0. Each step is a Newton step on the
    score with Firth's adjustment h (0.5 - mu), h the diagonal of the hat matrix, halved while it lowers the
    penalised likelihood (as R's logistf does: a carrier alone among thousands makes plain steps oscillate)."""
    free = np.ones(design.shape[1], dtype=bool) if free is None else free
    coefficients = np.zeros(design.shape[1])
    value, mu, information = _penalised_log_likelihood(design, trait, coefficients)
    for _ in range(MAX_ITERATIONS):
        weights = mu * (1 - mu)
        hat = weights * ((design @ np.linalg.pinv(information)) * design).sum(1)
        score = design.T @ (trait - mu + hat * (0.5 - mu))
        step = np.linalg.pinv(information[np.ix_(free, free)]) @ score[free]
        largest = np.abs(step).max()
        if largest < FIRTH_TOLERANCE:
            return coefficients, value
        step *= min(1.0, FIRTH_MAX_STEP / largest)
        for _ in range(FIRTH_HALVINGS):
            trial = coefficients.copy()
            trial[free] += step
            state = _penalised_log_likelihood(design, trait, trial)
            if state[0] >= value:
                break
            step /= 2
        coefficients, (value, mu, information) = trial, state
    return None


def _penalised_log_likelihood(design, trait, coefficients):
    """(log L + 1/2 log |information|, fitted probabilities, information) at `coefficients`."""
    eta = design @ coefficients
    mu = expit(eta)
    information = design.T @ (design * (mu * (1 - mu))[:, None])
    log_likelihood = -np.logaddexp(0, np.where(trait == 1, -eta, eta)).sum()
    return log_likelihood + 0.5 * np.linalg.slogdet(information)[1], mu, information


def firth_test(design: np.ndarray, genotype: np.ndarray, trait: np.ndarray) -> tuple[float, float]:
    """(beta, se) of the last coefficient of Firth's regression of `trait` on `design` and `genotype`, tested by
    the penalised likelihood ratio (Heinze & Schemper 2002: Wald's test is unreliable exactly where Firth's
    regression is needed); se = |beta| / sqrt(chi-squared), so that beta / se gives its p-value. NaN if a fit
    does not converge."""
    x = np.column_stack([design, genotype])
    full, null = firth_fit(x, trait), firth_fit(x, trait, free=np.arange(x.shape[1]) < design.shape[1])
    if full is None or null is None:
        return np.nan, np.nan
    beta, chi_squared = full[0][-1], max(2 * (full[1] - null[1]), 0.0)
    return beta, abs(beta) / np.sqrt(chi_squared)


def logistic_tests(genotypes: np.ndarray, trait: np.ndarray, design: np.ndarray,
                   null_coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(beta, se, p, firth) of each column of `genotypes` in a logistic regression of `trait` on `design` and
    that column: the Wald test of the maximum-likelihood fit, or Firth's test (firth 1) where that fit does not
    converge or the variant separates cases from controls."""
    n_variants, width = genotypes.shape[1], design.shape[1] + 1
    theta = np.zeros((n_variants, width))
    theta[:, :-1] = null_coefficients
    # Separated: no ALT (or no REF) allele in the cases or in the controls. The likelihood then has no maximum,
    # yet Newton can stop once the carriers' fitted probabilities round to 0 or 1, with se 0; so it is not run.
    separated = np.zeros(n_variants, dtype=bool)
    for group in (trait == 1, trait == 0):
        separated |= (genotypes[group].max(0) == 0) | (genotypes[group].min(0) == 2)
    converged = separated.copy()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(MAX_ITERATIONS + 1):
            hessian, score = _logistic_derivatives(genotypes, trait, design, theta)
            if converged.all():
                break
            try:
                step = np.linalg.solve(hessian, score[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = np.stack([np.linalg.lstsq(h, s, rcond=None)[0] for h, s in zip(hessian, score)])
            step[converged] = 0
            theta += step
            converged |= np.abs(step).max(1) < TOLERANCE
        beta = np.where(converged, theta[:, -1], np.nan)
        inverse_diagonal = np.array([np.linalg.pinv(h)[-1, -1] for h in hessian])
        se = np.sqrt(np.where(converged, inverse_diagonal, np.nan))
        firth = np.zeros(n_variants)
        for j in np.flatnonzero(~converged | separated | ~(se > 0)):
            (beta[j], se[j]), firth[j] = firth_test(design, genotypes[:, j], trait), 1
        p = 2 * stats.norm.sf(np.abs(beta / se))
    return beta, se, p, firth


def _logistic_derivatives(genotypes, trait, design, theta):
    """The Hessian (variants x k x k) of minus the log-likelihood and its score (variants x k) at `theta`."""
    mu = expit(design @ theta[:, :-1].T + genotypes * theta[:, -1])  # samples x variants
    weights = mu * (1 - mu)
    residual = trait[:, None] - mu
    width = theta.shape[1]
    hessian = np.empty((len(theta), width, width))
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(design), -1)  # per sample, flattened
    hessian[:, :-1, :-1] = (weights.T @ outer).reshape(len(theta), width - 1, width - 1)
    hessian[:, :-1, -1] = hessian[:, -1, :-1] = (weights * genotypes).T @ design
    hessian[:, -1, -1] = (weights * genotypes ** 2).sum(0)
    score = np.column_stack([residual.T @ design, (residual * genotypes).sum(0)])
    return hessian, score


def association_tests(matrix: np.ndarray, trait: np.ndarray, design: np.ndarray, binary: bool,
                      rows: np.ndarray | None = None, on_block: Callable[[int], object] | None = None) -> np.ndarray:
    """(beta, se, p, n called, firth: 1 where a logistic test is Firth's) of every variant (column) of an int8
    samples x variants matrix, over its `rows` (default: all; `trait` and `design` are those rows')."""
    n_variants, block_size = matrix.shape[1], variants_per_block(len(trait))
    results = np.full((5, n_variants), np.nan)
    null = logistic_fit(design, trait) if binary else None
    for start in range(0, n_variants, block_size):
        block = matrix[:, start:start + block_size] if rows is None else matrix[rows, start:start + block_size]
        genotypes = dosages(block)
        tested = (logistic_tests(genotypes, trait, design, null) if binary
                  else (*linear_tests(genotypes, trait, design), np.zeros(genotypes.shape[1])))
        results[[0, 1, 2, 4], start:start + block_size] = tested
        results[3, start:start + block_size] = (block != MISSING).sum(0)
        if on_block:
            on_block(min(start + block_size, n_variants))
    return results
