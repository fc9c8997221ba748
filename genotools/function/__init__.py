"""Gene-function prediction: the Gene Ontology, genes' annotations, an interaction network, CAFA metrics and
the baselines a model must beat."""
