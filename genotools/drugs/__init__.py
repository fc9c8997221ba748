"""Drug-response prediction: reading and matching the tables, drug fingerprints, cross-validation splits and baselines."""
