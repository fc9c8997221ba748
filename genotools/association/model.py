"""The neural risk model: a linear term plus a small MLP over the standardised genotypes and covariates.

Each variant enters twice: as its ALT dosage d, and as its heterozygosity d(2 - d) (1 for a heterozygote, 0 for
either homozygote; continuous for imputed dosages). Together they span every effect a variant can have alone,
dominant (carrying the ALT allele: (d + h) / 2) and recessive (two copies: (d - h) / 2) as well as additive, so
the linear term carries those, and the MLP adds what needs several variants at once: interactions.
The standardisation (per-variant mean and scale of both codings, per-covariate mean and scale) and the trait's
scale are buffers of the network, so a model file holds everything that prediction needs.
"""

from pathlib import Path

import torch
from torch import nn

from genotools import __version__
from genotools.association.genotypes import DOSAGE_SCALE, MISSING, Variants
from genotools.checkpoint import load_weights, read_metadata
from genotools.errors import InputError

KIND = "association"  # the "kind" of a risk model's metadata
DEFAULT_HYPERPARAMETERS = {"hidden": 32, "dropout": 0.5}


class RiskNet(nn.Module):
    def __init__(self, n_variants: int, n_covariates: int, hidden: int, dropout: float) -> None:
        super().__init__()
        for name, size in (("genotype_mean", n_variants), ("genotype_scale", n_variants),
                           ("heterozygosity_mean", n_variants), ("heterozygosity_scale", n_variants),
                           ("covariate_mean", n_covariates), ("covariate_scale", n_covariates),
                           ("target_mean", 1), ("target_scale", 1)):
            self.register_buffer(name, torch.ones(size) if name.endswith("scale") else torch.zeros(size))
        self.n_variants = n_variants
        inputs = 2 * n_variants + n_covariates
        self.linear = nn.Linear(inputs, 1)
        self.mlp = nn.Sequential(nn.Linear(inputs, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def standardise(self, genotypes: torch.Tensor, covariates: torch.Tensor) -> torch.Tensor:
        """Network inputs from int8 stored genotypes and raw covariates: the standardised dosages, then
        heterozygosities (a missing genotype's are their means, 0), then covariates."""
        dosage = genotypes.float() / DOSAGE_SCALE
        missing = genotypes == MISSING
        additive = torch.where(missing, 0.0, (dosage - self.genotype_mean) / self.genotype_scale)
        dominance = torch.where(missing, 0.0, (heterozygosity(dosage) - self.heterozygosity_mean)
                                / self.heterozygosity_scale)
        return torch.cat([additive, dominance, (covariates.float() - self.covariate_mean) / self.covariate_scale], 1)

    def score(self, inputs: torch.Tensor) -> torch.Tensor:
        """The logit (binary trait) or the standardised trait value, from standardised inputs."""
        return (self.linear(inputs) + self.mlp(inputs))[:, 0]

    def input_group_norm(self, variant_weights: torch.Tensor) -> torch.Tensor:
        """The group lasso: the sum over variants of the norm of all first-layer weights from either coding of
        the variant, each times its `variant_weights`, plus the sum over covariates of the norm of theirs."""
        weights = torch.cat([self.linear.weight, self.mlp[0].weight], 0)
        n = self.n_variants
        per_variant = torch.cat([weights[:, :n], weights[:, n:2 * n]], 0).norm(dim=0)
        return (per_variant * variant_weights).sum() + weights[:, 2 * n:].norm(dim=0).sum()

    def forward(self, genotypes: torch.Tensor, covariates: torch.Tensor) -> torch.Tensor:
        """The risk in the trait's units: a log-odds, or a value of the quantitative trait."""
        return self.score(self.standardise(genotypes, covariates)) * self.target_scale + self.target_mean


def heterozygosity(dosage):
    """d(2 - d) of ALT dosages d (numpy or torch): 1 for a heterozygote, 0 for a homozygote."""
    return dosage * (2 - dosage)


def build_risk_model(n_variants: int, n_covariates: int, hyperparameters: dict = DEFAULT_HYPERPARAMETERS) -> RiskNet:
    return RiskNet(n_variants, n_covariates, **hyperparameters)


def risk_model_metadata(phenotype: str, binary: bool, genotype_field: str, covariates: list[str],
                        covariate_levels: dict, hyperparameters: dict, variants: Variants,
                        cross_validation: dict) -> dict:
    """The metadata of a model file, which `load_risk_model` reads: what prediction needs (the variants, in
    their order, the covariates and their levels, the network's shape), and the cross-validated metrics."""
    return {"kind": KIND, "genotools_version": __version__, "phenotype": phenotype,
            "trait": "binary" if binary else "quantitative", "genotype_field": genotype_field,
            "covariates": covariates, "covariate_levels": covariate_levels, "hyperparameters": hyperparameters,
            "cross_validation": cross_validation,
            "variants": {"id": variants.ids, "chrom": variants.chroms, "pos": variants.positions,
                         "ref": variants.refs, "alt": variants.alts}}


def load_risk_model(path: Path | str) -> tuple[nn.Module, dict]:
    """(network in eval mode on the CPU, metadata) from a model file written by genotools-associate scan."""
    metadata = read_metadata(path)
    if metadata.get("kind") != KIND:
        raise InputError(f"{path}: not a risk model; train one with genotools-associate scan")
    model = build_risk_model(len(metadata["variants"]["id"]), len(metadata["covariates"]),
                             metadata["hyperparameters"])
    return load_weights(path, model, "the risk network, which reads each variant twice (dosage and "
                        "heterozygosity): a model from an older genotools needs training again with "
                        "genotools-associate scan"), metadata
