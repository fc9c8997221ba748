"""Protein impact: protein changes parsed and scored by protein language models and the baselines beside them."""
