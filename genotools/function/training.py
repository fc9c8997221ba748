"""Splitting genes, training a gene-function network and evaluating it beside the baselines.

Training is transductive, as is usual for networks over a gene graph: every forward pass runs over all genes,
test genes included (their features and edges are known), and the loss is the binary cross-entropy over the
(propagated) terms of the training genes only; a test gene's annotations are never read. The network learns the
terms annotating at least `min_genes` training genes (a term's ancestors annotate at least its genes, so these
terms are closed under ancestors); by default every term of a training gene, since term-centric AUPR counts the
rare terms as much as the frequent ones. A tenth of the training genes is held out to stop early on the metrics
the model is judged by: 1 - the mean of their Fmax and term-centric AUPR is the validation "loss". On GO data
this kept models that beat the random-walk baseline by both metrics more often than stopping on the loss or on
AUPR alone. The shared loop (genotools.fit) fits the network, a full-batch step per epoch.

A training job (train_and_evaluate) fits the network evaluated on held-out genes, then the final model on every
annotated gene, with a checkpoint after every epoch of either: a job killed at any point resumes to the same
models and evaluation, bit for bit (on the same device and thread count).

Predictions are made consistent with the ontology (a parent scores at least as high as each child) by taking
each term's maximum over its descendants (ontology.consistent_scores).
"""

from dataclasses import dataclass

import numpy as np
import torch
from scipy import sparse

from genotools.errors import InputError
from genotools.fit import Job, Progress, Schedule
from genotools.function.annotations import Annotations
from genotools.function.baselines import naive, neighbours, random_walk
from genotools.function.features import GeneData
from genotools.function.metrics import evaluate, fmax, information_content, term_aupr
from genotools.function.model import DEFAULT_HYPERPARAMETERS, GeneGNN, build_gene_model, mean_adjacency, walk_votes
from genotools.function.ontology import Ontology, consistent_scores
from genotools.io.tables import normalise
from genotools.runtime import autocast, seed_everything


@dataclass
class Split:
    """Gene indices of a GeneData; `truth` (genes x the data's terms) is what the test genes are evaluated on."""
    train: np.ndarray
    test: np.ndarray
    truth: sparse.csr_matrix


def gene_folds(data: GeneData, folds: int = 5, seed: int = 0) -> list[Split]:
    """K splits of the annotated genes, each holding out one fold of them (the same arguments, the same folds)."""
    genes = np.flatnonzero(data.annotated)
    if not 2 <= folds <= len(genes):
        raise InputError(f"cannot split {len(genes)} annotated genes into {folds} folds; choose 2 to {len(genes)}")
    fold_of = np.empty(len(genes), np.int64)
    fold_of[np.random.default_rng(seed).permutation(len(genes))] = np.arange(len(genes)) % folds
    return [Split(genes[fold_of != fold], genes[fold_of == fold], data.truth) for fold in range(folds)]


def hold_out_genes(data: GeneData, fraction: float = 0.2, seed: int = 0) -> Split:
    """One split holding out a random `fraction` of the annotated genes."""
    genes = np.flatnonzero(data.annotated)
    count = round(fraction * len(genes))
    if not 0 < count < len(genes):
        raise InputError(f"a test fraction of {fraction} of {len(genes)} annotated genes leaves no test or no "
                         "training gene")
    test = np.sort(np.random.default_rng(seed).choice(genes, count, replace=False))
    return Split(np.setdiff1d(genes, test), test, data.truth)


def time_split(data: GeneData, newer: Annotations) -> Split:
    """The CAFA no-knowledge benchmark: train on the genes annotated in the data's (older) release; test on the
    genes without an annotation there but with one in `newer` (the Annotations of a later release, same aspect),
    evaluated on their newer terms among the data's terms."""
    row = {normalise(gene): i for i, gene in enumerate(data.genes)}
    column = {term: i for i, term in enumerate(data.terms)}
    pairs = sparse.coo_matrix(newer.matrix)
    keep = np.array([normalise(newer.genes[g]) in row and newer.terms[t] in column
                     for g, t in zip(pairs.row, pairs.col)], dtype=bool)
    rows = [row[normalise(newer.genes[g])] for g in pairs.row[keep]]
    columns = [column[newer.terms[t]] for t in pairs.col[keep]]
    truth = sparse.csr_matrix((np.ones(len(rows), bool), (rows, columns)), shape=data.truth.shape)
    truth.sum_duplicates()
    newly = np.flatnonzero((np.diff(truth.indptr) > 0) & ~data.annotated)
    if len(newly) == 0:
        raise InputError(f"{newer.path}: no gene without an annotation in the older release has one here "
                         "(among the genes and terms of the older data)")
    return Split(np.flatnonzero(data.annotated), newly, truth)


@dataclass
class GeneTrainConfig:
    model: str = "gnn"
    epochs: int = 500
    lr: float = 1e-3
    weight_decay: float = 5e-2
    patience: int = 30
    validation: float = 0.1  # the fraction of the training genes held out for early stopping
    min_genes: int = 1  # the terms learned annotate at least this many training genes
    precision: str = "fp32"
    seed: int = 0


@dataclass
class TrainedGeneModel:
    model: torch.nn.Module
    terms: list  # the terms it predicts: those annotating at least one training gene, in the ontology's order
    annotated_genes: list  # the genes whose annotations a gnn keeps (model.annotations), by name; [] for an mlp
    best_epoch: int
    history: list  # a record per epoch (genotools.fit.Fitted.history)


def train_gene_model(data: GeneData, ontology: Ontology, train: np.ndarray, config: GeneTrainConfig,
                     device: torch.device, job: Job, hyperparameters: dict = DEFAULT_HYPERPARAMETERS,
                     progress: Progress | None = None, name: str = "training") -> TrainedGeneModel:
    """A network trained on the annotations of the genes `train` (indices of `data`) by the shared loop, as the
    next network of `job`: full-batch steps on the loss of the fitted genes, stopped early on the Fmax and
    term-centric AUPR of a held-out tenth of them (config.validation), their scores made consistent with
    `ontology` as predictions are."""
    labels = data.truth[train]
    learned = np.flatnonzero(np.diff(labels.tocsc().indptr) >= config.min_genes)
    if len(learned) == 0:
        raise InputError(f"no term annotates {config.min_genes} of the {len(train)} training genes; lower the "
                         "minimum number of genes per term")
    shuffled = np.random.default_rng(config.seed).permutation(train)
    held_out = max(1, round(config.validation * len(train)))
    if len(train) - held_out < 1:
        raise InputError(f"{len(train)} training genes cannot spare {held_out} for early stopping")
    fit, valid = torch.from_numpy(np.sort(shuffled[held_out:])), torch.from_numpy(np.sort(shuffled[:held_out]))
    targets = torch.zeros(len(data.genes), len(learned))
    targets[torch.from_numpy(train)] = torch.from_numpy(labels[:, learned].toarray().astype(np.float32))
    votes = (torch.from_numpy(_training_votes(data.adjacency, targets.numpy(), fit.numpy(), config.seed)).to(device)
             if config.model == "gnn" else None)
    valid_truth = sparse.csr_matrix(targets[valid].numpy())
    targets, fit, valid = targets.to(device), fit.to(device), valid.to(device)
    dag = ontology.restrict([data.terms[t] for t in learned])
    features = torch.from_numpy(data.features).to(device)
    adjacency = mean_adjacency(data.adjacency, device)

    seed_everything(config.seed)
    model = build_gene_model(config.model, features.shape[1], len(learned), len(train), hyperparameters).to(device)

    def loss(genes):
        logits = model(features, adjacency, votes)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits[genes].float(), targets[genes])

    schedule = Schedule(epochs=config.epochs, patience=config.patience, lr=config.lr,
                        weight_decay=config.weight_decay, precision=config.precision)

    def valid_loss():
        scores = consistent_scores(torch.sigmoid(model(features, adjacency, votes)[valid].float()).cpu().numpy(), dag)
        return 1 - (fmax(valid_truth, scores, dag.roots())[0] + term_aupr(valid_truth, scores, dag.roots())) / 2

    fitted = job.fit(name, model, schedule, device, lambda: [fit], loss, valid_loss, config.seed, progress)
    annotated = [data.genes[i] for i in train] if config.model == "gnn" else []
    if annotated:
        model.annotations.copy_(targets[torch.from_numpy(train).to(device)].to(torch.uint8))
    return TrainedGeneModel(fitted.model, [data.terms[t] for t in learned], annotated, fitted.best_epoch,
                            fitted.history)


def _training_votes(adjacency, targets, fit, seed, folds=5):
    """The walk votes a gnn trains on (genes x terms): those of the genes not fitted from every fitted gene's
    annotations, as at prediction; those of each fifth of the fitted genes from the other fifths'. A walk from a
    gene can come back to it, so its own terms would otherwise vote for it, and the network would learn to
    trust the votes more than a test gene's deserve. No gene's own terms reach its prediction otherwise
    (beyond their part in the term frequencies): the network has no self-loops, and the votes go straight to
    the output, not through the layers that pass states along edges."""
    fitted = np.isin(np.arange(len(targets)), fit)
    prior = targets[fitted].mean(0)
    votes = walk_votes(adjacency, targets, fitted, prior)
    fold = np.full(len(targets), -1)
    fold[fit] = np.random.default_rng(seed).permutation(len(fit)) % folds
    for part in range(folds):
        votes[fold == part] = walk_votes(adjacency, targets, fitted & (fold != part), prior)[fold == part]
    return votes


def predict_terms(trained: TrainedGeneModel, data: GeneData, ontology: Ontology, device: torch.device,
                  precision: str = "fp32") -> np.ndarray:
    """genes x trained.terms probabilities for every gene of `data`, consistent with `ontology`; a gnn reads the
    annotations it keeps of the genes of `data` it was trained on (matched by normalised name)."""
    features = torch.from_numpy(data.features).to(device)
    adjacency = mean_adjacency(data.adjacency, device)
    votes = _kept_votes(trained, data).to(device) if isinstance(trained.model, GeneGNN) else None
    with torch.no_grad(), autocast(device, precision):
        logits = trained.model(features, adjacency, votes)
    return consistent_scores(torch.sigmoid(logits.float()).cpu().numpy(), ontology.restrict(trained.terms))


def _kept_votes(trained, data):
    """A gnn's walk votes for the genes of `data` from the annotations it keeps of its training genes
    (matched by normalised name), with their term frequencies as the prior."""
    annotations = trained.model.annotations.cpu().numpy()
    labels = np.zeros((len(data.genes), len(trained.terms)), dtype=np.float32)
    known = np.zeros(len(data.genes), dtype=bool)
    row = {normalise(gene): i for i, gene in enumerate(data.genes)}
    kept = [(row[normalise(gene)], i) for i, gene in enumerate(trained.annotated_genes) if normalise(gene) in row]
    if kept:
        rows, annotated = (np.array(index) for index in zip(*kept))
        labels[rows], known[rows] = annotations[annotated], True
    return torch.from_numpy(walk_votes(data.adjacency, labels, known, annotations.mean(0)))


def compare(data: GeneData, ontology: Ontology, split: Split,
            predictions: dict[str, tuple[np.ndarray, list[str]]]) -> dict[str, dict]:
    """CAFA metrics (metrics.evaluate) on the split's test genes of each method's genes x terms scores in
    `predictions` ({name: (scores, their terms)}) and of the naive baseline and, when the data have a network,
    the network-neighbour and random-walk baselines, fitted on the training genes. A term a method does not
    predict scores 0 for it; information content comes from the training genes."""
    dag = ontology.restrict(data.terms)
    content = information_content(data.truth[split.train], dag)
    truth = split.truth[split.test]
    results = {"naive": evaluate(truth, np.asarray(naive(data.truth, split.train, split.test)), dag, content)}
    if data.adjacency.nnz:
        for name, baseline in (("neighbours", neighbours), ("random walk", random_walk)):
            results[name] = evaluate(truth, baseline(data.truth, data.adjacency, split.train, split.test), dag,
                                     content)
    for name, (scores, terms) in predictions.items():
        spread = np.zeros((len(split.test), len(data.terms)))
        spread[:, [data.terms.index(term) for term in terms]] = scores[split.test]
        results[name] = evaluate(truth, spread, dag, content)
    return results


@dataclass
class GeneEvaluation:
    evaluated: TrainedGeneModel  # trained on the split's training genes
    final: TrainedGeneModel | None  # trained on every annotated gene; None when not asked for
    scores: np.ndarray  # the evaluated model's scores, genes x evaluated.terms
    metrics: dict  # the evaluated model's on the split's test genes (metrics.evaluate)
    baselines: dict  # {baseline: its metrics on the same genes}


def train_and_evaluate(data: GeneData, ontology: Ontology, split: Split, config: GeneTrainConfig,
                       device: torch.device, job: Job, progress: Progress | None = None,
                       hyperparameters: dict = DEFAULT_HYPERPARAMETERS, train_final: bool = True) -> GeneEvaluation:
    """A network trained on the split's training genes and evaluated on its test genes beside the baselines
    (compare), then, if `train_final`, the final model, trained on every annotated gene (for a time split,
    which trains on them all already, the evaluated network). Both are networks of `job`, which keeps the
    evaluated network once it is trained, so a job resumed while the final model trains picks that up."""
    if job.run == 0:
        evaluated = train_gene_model(data, ontology, split.train, config, device, job, hyperparameters, progress,
                                     "held-out evaluation")
        job.kept["evaluated"] = {"terms": evaluated.terms, "annotated_genes": evaluated.annotated_genes,
                                 "best_epoch": evaluated.best_epoch, "history": evaluated.history}
        job.tensors.update({f"evaluated.{k}": v for k, v in evaluated.model.state_dict().items()})
    else:
        kept = job.kept["evaluated"]
        model = build_gene_model(config.model, data.features.shape[1], len(kept["terms"]),
                                 len(kept["annotated_genes"]), hyperparameters)
        model.load_state_dict({k.removeprefix("evaluated."): v for k, v in job.tensors.items()})
        evaluated = TrainedGeneModel(model.to(device).eval(), kept["terms"], kept["annotated_genes"],
                                     kept["best_epoch"], kept["history"])
    annotated = np.flatnonzero(data.annotated)
    final = None
    if train_final:
        final = (evaluated if np.array_equal(split.train, annotated) else
                 train_gene_model(data, ontology, annotated, config, device, job, hyperparameters, progress,
                                  "final model"))
    scores = predict_terms(evaluated, data, ontology, device, config.precision)
    baselines = compare(data, ontology, split, {"model": (scores, evaluated.terms)})
    return GeneEvaluation(evaluated, final, scores, baselines.pop("model"), baselines)
