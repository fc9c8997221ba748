"""Reading and writing the formats users already have: FASTA, BED, TSV, HDF5."""
