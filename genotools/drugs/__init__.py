"""Drug-response prediction: reading and matching the tables, fingerprints, cross-validation splits, baselines."""
