"""Sequence-to-function: encoding, datasets, models, training, inference, interpretation and variant effects."""
