"""genotools: deep-learning tools for genomics, for the command line, Galaxy, Nextflow and CWL."""

__version__ = "0.1.0"
