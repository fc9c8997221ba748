"""Association of genotypes with a phenotype: cohorts from a VCF and a phenotype table, genotype QC, the classical
per-variant tests, a neural risk model beside its baselines, and a simulated cohort with known causal variants."""
