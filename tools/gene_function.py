"""genotools-gene-function: train a network that predicts genes' Gene Ontology terms from their expression,
protein sequences and interaction network, evaluate it on held-out genes beside baselines, and predict the terms
of genes."""

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from genotools.checkpoint import save_model
from genotools.errors import InputError
from genotools.fit import Job
from genotools.function.annotations import GAF_ASPECTS, read_annotations
from genotools.function.features import gene_data, read_expression, read_sequence_features
from genotools.function.metrics import THRESHOLDS
from genotools.function.model import gene_model_metadata, load_gene_model, model_ontology
from genotools.function.network import read_network
from genotools.function.ontology import read_obo
from genotools.function.training import (
    GeneTrainConfig,
    TrainedGeneModel,
    hold_out_genes,
    predict_terms,
    time_split,
    train_and_evaluate,
)
from genotools.io.atomic import atomic_output
from genotools.io.tables import ORIENTATIONS, normalise, summarise
from genotools.io.text import read_lines
from genotools.report import plot_gene_function_pr
from genotools.runtime import configure, resolve_device

from .common import (
    Checkpoint,
    Debug,
    Device,
    Precision,
    Quiet,
    Resume,
    Seed,
    Threads,
    TrainingProgress,
    Version,
    beside,
    check_choices,
    existing_file,
    group_app,
    reported_errors,
    say,
    stderr,
    training_bar,
)

ASPECTS = tuple(GAF_ASPECTS.values())
DEFAULTS = GeneTrainConfig()
MODELS = ("auto", "mlp", "gnn")
SPLITS = ("random", "time")

Orientation = Annotated[str, typer.Option(
    help="Whether the genes of --expression are its rows or its columns; auto takes the side whose names match "
    "more of the annotated genes (at training) or fewer of the model's samples (at prediction).")]
Expression = Annotated[Optional[Path], existing_file(
    "Expression matrix of genes and samples (TSV or CSV); each gene's profile is standardised across the samples.")]
Sequences = Annotated[Optional[Path], existing_file(
    "Protein (or DNA) sequences named by gene, FASTA; a gene's longest sequence is described by its k-mer "
    "composition.")]
Network = Annotated[Optional[Path], existing_file(
    "Gene interaction network: gene_a, gene_b and an optional weight a line (TSV, CSV or whitespace, as STRING's "
    "files).")]


def train(
    annotations: Annotated[Path, existing_file(
        "Genes' GO annotations: a GAF file (plain or gzipped) or a two-column table of gene and GO id, told apart "
        "by their first line.")],
    ontology: Annotated[Path, existing_file("The Gene Ontology, OBO (e.g. go-basic.obo).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.safetensors).",
                                         dir_okay=False)],
    expression: Expression = None,
    sequences: Sequences = None,
    network: Network = None,
    aspect: Annotated[str, typer.Option(help="GO aspect to learn: BP (process), MF (function) or CC (component).")]
    = "BP",
    evidence_drop: Annotated[Optional[list[str]], typer.Option(
        help="GAF evidence codes to leave out, repeatable or comma-separated (e.g. IEA, the electronic "
        "annotations).")] = None,
    min_genes_per_term: Annotated[int, typer.Option(
        min=1, help="Terms annotating fewer training genes are not learned (the model scores them 0).")]
    = DEFAULTS.min_genes,
    log: Annotated[bool, typer.Option(help="log2(x + 1) the expression values (counts or TPM) first.")] = False,
    orientation: Orientation = "auto",
    model: Annotated[str, typer.Option(
        help="Network: mlp (over each gene's features) or gnn (also over its neighbours' features in --network, and "
        "the known terms of the genes a random walk over it reaches); auto: gnn with a network, else mlp.")] = "auto",
    split: Annotated[str, typer.Option(
        help="Evaluation: random (hold out --test-fraction of the annotated genes) or time (as in CAFA: genes "
        "first annotated in --newer-annotations).")] = "random",
    newer_annotations: Annotated[Optional[Path], existing_file(
        "A later release of the annotations, for --split time.")] = None,
    test_fraction: Annotated[float, typer.Option(
        min=0, max=1, help="Fraction of the annotated genes held out by a random split.")] = 0.2,
    epochs: Annotated[int, typer.Option(min=1, help="Maximum epochs per training run.")] = DEFAULTS.epochs,
    lr: Annotated[float, typer.Option(min=0, help="Learning rate (AdamW).")] = DEFAULTS.lr,
    patience: Annotated[int, typer.Option(
        min=1, help="Stop a training run after this many epochs without a better validation loss.")]
    = DEFAULTS.patience,
    resume: Resume = None,
    checkpoint: Checkpoint = None,
    metrics: Annotated[Optional[Path], typer.Option(
        help="Metrics on the held-out genes, model beside baselines, JSON [default: OUTPUT with .metrics.json].",
        dir_okay=False)] = None,
    plot: Annotated[Optional[Path], typer.Option(
        help="Precision-recall curves on the held-out genes, PNG [default: OUTPUT with .pr.png].",
        dir_okay=False)] = None,
    test_predictions: Annotated[Optional[Path], typer.Option(
        help="The held-out genes' scores (at least 0.01) and true terms, TSV [default: OUTPUT with "
        ".test_predictions.tsv].", dir_okay=False)] = None,
    precision: Precision = DEFAULTS.precision,
    device: Device = "auto",
    seed: Seed = DEFAULTS.seed,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Train a gene-function model: a network that predicts the GO terms of genes from their expression and/or
    protein sequences, and, for a gnn, their interaction network. Annotations are propagated up the ontology;
    obsolete and unknown terms, and genes that the files name differently, are reported. The model is evaluated
    on held-out genes (random or time split) with the CAFA metrics (Fmax, Smin, term-centric AUPR) beside the
    naive, network-neighbour and random-walk baselines, then trained on every annotated gene and saved with what
    predict needs to rebuild the features from the same kinds of files. A checkpoint written every epoch lets
    --resume finish a killed run as it would have ended."""
    with reported_errors("genotools-gene-function train", debug):
        configure(threads, seed)
        device = resolve_device(device)
        check_choices((("--aspect", aspect, ASPECTS), ("--model", model, MODELS), ("--split", split, SPLITS),
                       ("--orientation", orientation, ORIENTATIONS)))
        if expression is None and sequences is None:
            raise InputError("give --expression or --sequences (or both): they describe the genes; a network alone "
                             "gives the model nothing to learn from")
        model = ("gnn" if network else "mlp") if model == "auto" else model
        if model == "gnn" and network is None:
            raise InputError("--model gnn learns over an interaction network: give --network, or use --model mlp")
        if (split == "time") != (newer_annotations is not None):
            raise InputError("--split time needs --newer-annotations, and --newer-annotations needs --split time")
        dropped_codes = sorted({code.strip() for text in evidence_drop or [] for code in text.split(",")} - {""})
        checkpoint = checkpoint or beside(output, ".checkpoint.safetensors")
        metrics = metrics or beside(output, ".metrics.json")
        plot = plot or beside(output, ".pr.png")
        test_predictions = test_predictions or beside(output, ".test_predictions.tsv")
        config = GeneTrainConfig(model=model, epochs=epochs, lr=lr, patience=patience, precision=precision,
                                 seed=seed, min_genes=min_genes_per_term)
        job = Job(checkpoint, {**dataclasses.asdict(config), "aspect": aspect, "evidence_dropped": dropped_codes,
                               "split": split, "test_fraction": test_fraction}, resume)

        go = read_obo(ontology)
        known = read_annotations(annotations, go, aspect, dropped_codes)
        features = _features(expression, sequences, orientation, log, genes=known.genes)
        interactions = read_network(network) if network else None
        data = gene_data(known, features, interactions)
        _report_annotations(known, quiet)
        for line in summarise(data.unmatched):
            say(quiet, f"not matched: {line}")
        if split == "random":
            try:
                held_out = hold_out_genes(data, test_fraction, seed)
            except InputError as error:  # the genes are too few: those the annotations name
                raise InputError(f"{annotations}: {error}") from None
        else:
            held_out = time_split(data, read_annotations(newer_annotations, go, aspect, dropped_codes))
        annotated = np.flatnonzero(data.annotated)
        say(quiet, f"{len(annotated)} annotated genes of {len(data.genes)}, {len(data.terms)} {aspect} terms; "
            f"{len(held_out.test)} genes held out ({split} split)")
        with training_bar(quiet) as bar:
            result = train_and_evaluate(data, go, held_out, config, device, job,
                                        TrainingProgress(bar, unit="genes"))

        evaluated = result.evaluated
        report = {"split": split, "test_fraction": test_fraction if split == "random" else None, "seed": seed,
                  "aspect": aspect, "network": model, "genes": len(data.genes), "annotated_genes": len(annotated),
                  "test_genes": len(held_out.test), "terms": len(data.terms), "learned_terms": len(evaluated.terms),
                  "min_genes_per_term": min_genes_per_term, "evidence_dropped": dropped_codes,
                  "annotation_lines_dropped": known.dropped, "reported_terms": known.reported,
                  "unmatched": {what: len(names) for what, names in data.unmatched.items()},
                  "best_epoch": evaluated.best_epoch, "epochs_run": len(evaluated.history),
                  "model": result.metrics, "baselines": result.baselines}
        metadata = gene_model_metadata(result.final, data, known, go, features, interactions, config, dropped_codes)
        with atomic_output(metrics) as metrics_tmp, atomic_output(plot) as plot_tmp, \
                atomic_output(test_predictions) as table_tmp:
            metrics_tmp.write_text(json.dumps(report, indent=2) + "\n")
            plot_gene_function_pr({model: result.metrics, **result.baselines}, plot_tmp)
            _held_out_table(data, go, held_out, result.scores, evaluated.terms).to_csv(
                table_tmp, sep="\t", index=False, float_format="%.4f")
            save_model(output, result.final.model, metadata)
        if not quiet:
            stderr.print(_metrics_table(report))
        say(quiet, f"model: {output}\nmetrics: {metrics}\nprecision-recall plot: {plot}\nheld-out predictions: "
            f"{test_predictions}\ncheckpoint: {checkpoint}")


def predict(
    model: Annotated[Path, existing_file("Model from genotools-gene-function train (.safetensors).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Predicted terms to write (TSV).", dir_okay=False)],
    expression: Expression = None,
    sequences: Sequences = None,
    network: Network = None,
    genes: Annotated[Optional[Path], existing_file(
        "Genes to predict, one a line [default: every gene with expression or a sequence].")] = None,
    orientation: Orientation = "auto",
    top_k: Annotated[int, typer.Option(
        min=0, help="Best terms per gene to write; 0: every term scoring at least --threshold.")] = 10,
    threshold: Annotated[float, typer.Option(min=0, max=1, help="Least score of a term written.")] = 0.0,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Predict the GO terms of genes with a model from genotools-gene-function train. Give the kinds of files the
    model was trained on (--expression, --sequences and, for a gnn, --network): the model keeps the samples and
    k-mer scales that rebuild the same features from them, and a gnn runs over the network given here. Scores
    are consistent with the ontology (a term scores at least as high as each of its descendants), so the terms
    written for a gene include their ancestors; the aspect's root, which every gene has, is left out."""
    with reported_errors("genotools-gene-function predict", debug):
        configure(threads, seed)
        device = resolve_device(device)
        check_choices((("--orientation", orientation, ORIENTATIONS),))
        net, metadata = load_gene_model(model)
        _check_inputs(metadata, expression, sequences, network)
        features = _features(expression, sequences, orientation, metadata=metadata["features"])
        data = gene_data(None, features, read_network(network) if network else None)
        dag = model_ontology(metadata, model)
        trained = TrainedGeneModel(net, metadata["terms"], metadata["annotated_genes"],
                                   metadata["training"]["best_epoch"], [])
        scores = predict_terms(trained, data, dag, device, precision)
        rows, names = _genes_to_predict(data, genes, metadata["model"] == "gnn", quiet)
        with atomic_output(output) as tmp:
            _best_terms(rows, names, dag, scores, top_k, threshold).to_csv(tmp, sep="\t", index=False,
                                                                           float_format="%.4f")
        say(quiet, f"{len(rows)} genes, {len(dag)} {metadata['aspect']} terms: {output}")


def _features(expression, sequences, orientation, log=False, genes=(), metadata=None):
    """The Features of the files given, expression first; with a model's `metadata`, rebuilt as at training."""
    features = []
    if expression:
        kept = (metadata or {}).get("expression", {})
        features.append(read_expression(expression, genes, orientation, kept.get("log", log), kept.get("samples")))
    if sequences:
        kept = (metadata or {}).get("sequence", {})
        features.append(read_sequence_features(sequences, kept.get("alphabet", "auto"), kept.get("mean"),
                                               kept.get("scale")))
    return features


def _report_annotations(known, quiet):
    for line in summarise(known.reported):
        say(quiet, f"annotations: {line}")
    for why, lines in known.dropped.items():
        if lines:
            say(quiet, f"annotations: {lines} lines left out ({why})")


def _held_out_table(data, go, held_out, scores, terms):
    """Per held-out gene, each term it is annotated with (in the split's truth) or the model scores at least
    the lowest threshold (0.01); the roots left out."""
    at = np.array([data.terms.index(term) for term in terms])
    spread = np.zeros((len(held_out.test), len(data.terms)))
    spread[:, at] = scores[held_out.test]
    truth = held_out.truth[held_out.test].toarray()
    roots = set(go.restrict(data.terms).roots())
    gene, term = np.nonzero((truth | (spread >= THRESHOLDS[0])) & ~np.isin(np.arange(len(data.terms)), list(roots)))
    return pd.DataFrame({"gene": np.array(data.genes)[held_out.test][gene], "term": np.array(data.terms)[term],
                         "name": [go.names[go.index[data.terms[t]]] for t in term],
                         "annotated": truth[gene, term].astype(int), "score": spread[gene, term]})


def _check_inputs(metadata, expression, sequences, network):
    """The files given are the kinds the model was trained on."""
    for kind, flag, path in (("expression", "--expression", expression), ("sequence", "--sequences", sequences)):
        if (kind in metadata["features"]) != (path is not None):
            trained = " and ".join(f"--{'sequences' if k == 'sequence' else k}" for k in metadata["features"])
            raise InputError(f"the model was trained on {trained}; give the same kinds of files ({flag} "
                             f"{'is missing' if path is None else 'is not one of them'})")
    if metadata["model"] == "gnn" and network is None:
        raise InputError("the model is a gnn, which predicts over the interaction network: give --network")
    if metadata["model"] != "gnn" and network is not None:
        raise InputError(f"the model is an {metadata['model']}, which uses no network: leave out --network")


def _genes_to_predict(data, genes, gnn, quiet):
    """(rows of `data`, their names) to predict: the --genes list (found after normalisation, named as it names
    them), or every gene with features. A gene without features is predicted by a gnn from its neighbours; one
    with neither is left out."""
    kinds = sum(name.startswith("missing:") for name in data.feature_names)
    measured = (data.features[:, -kinds:] == 0).any(1)
    if genes is None:
        rows = np.flatnonzero(measured)
        return rows, [data.genes[i] for i in rows]
    row = {normalise(gene): i for i, gene in enumerate(data.genes)}
    connected = np.diff(data.adjacency.indptr) > 0
    wanted = {}  # normalised name -> the list's spelling, each gene once
    for line in read_lines(genes, "gene list"):
        if line.strip() and not line.startswith("#"):
            wanted.setdefault(normalise(line.strip()), line.strip())
    found = {key: row[key] for key in wanted if key in row}
    groups = {"are in none of the input files, left out": [key for key in wanted if key not in found],
              "have no expression or sequence" + (" and no edge" if gnn else "") + ", left out":
                  [key for key, i in found.items() if not measured[i] and not (gnn and connected[i])],
              "have no expression or sequence and are predicted from their neighbours":
                  [key for key, i in found.items() if not measured[i] and gnn and connected[i]]}
    for why, keys in groups.items():
        if keys:
            say(quiet, f"{genes}: {len(keys)} genes {why} (e.g. {', '.join(wanted[key] for key in keys[:3])})")
    kept = [key for key, i in found.items() if measured[i] or (gnn and connected[i])]
    if not kept:
        raise InputError(f"{genes}: none of its genes has features{' or an edge' if gnn else ''} in the input "
                         "files; check that they name genes the same way")
    return np.array([found[key] for key in kept]), [wanted[key] for key in kept]


def _best_terms(rows, names, dag, scores, top_k, threshold):
    """Per gene of `rows` (named `names`), its terms scoring at least `threshold`, best first, at most `top_k`
    (0: all); the roots left out. Ties go to the term earlier in the ontology's order, a parent before its
    children, so that with consistent scores the terms written include their ancestors."""
    roots = set(dag.roots())
    terms = np.array([t for t in range(len(dag)) if t not in roots])
    records = []
    for gene, name in zip(rows, names):
        order = terms[np.lexsort((terms, -scores[gene, terms]))]
        chosen = order[scores[gene, order] >= threshold]
        for term in chosen[:top_k or None]:
            records.append((name, dag.ids[term], dag.names[term], scores[gene, term]))
    return pd.DataFrame(records, columns=["gene", "term", "name", "score"])


def _metrics_table(report):
    table = Table(title=f"Held-out genes, {report['split']} split ({report['test_genes']} genes, {report['aspect']})")
    for column in ("method", "Fmax", "Smin", "AUPR"):
        table.add_column(column)
    for method, m in [(report["network"], report["model"]), *report["baselines"].items()]:
        table.add_row(method, f"{m['fmax']:.3f}", f"{m['smin']:.3f}", f"{m['aupr']:.3f}")
    return table


app = group_app(
    "Gene-function prediction: GO terms of genes from their expression, sequences and interaction network.",
    {"train": (train, "genotools-gene-function train --annotations annotations.gaf --ontology go.obo "
               "--expression expression.tsv --sequences proteins.fa --network network.tsv --evidence-drop IEA "
               "--output model.safetensors"),
     "predict": (predict, "genotools-gene-function predict --model model.safetensors --expression expression.tsv "
                 "--sequences proteins.fa --network network.tsv --output predictions.tsv")})
