"""Gene-function networks: genes' features (and their interaction network) in, one logit per GO term out.

mlp  an MLP over each gene's features alone
gnn  an input MLP, then GraphSAGE-style layers (Hamilton et al. 2017): each gene's state is updated from itself
     and the edge-weighted mean of its neighbours' states, with a residual connection and LayerNorm. A gene
     without edges gets no neighbour message and keeps what its own features say. Each term's logit is the
     log-odds of the vote of the annotated genes a random walk from the gene reaches (multi-hop guilt by
     association, walk_votes), times a learned weight that starts at 1, plus what the layers add, which starts
     at 0: the network starts as the vote and learns how the genes' features and their neighbours' features
     correct it, term by term. The gnn keeps its training genes' annotations, which it reads at prediction.
Both run over every gene at once (the full graph fits in memory): forward(features, adjacency, votes) takes all
genes' features, the row-normalised adjacency as a torch sparse tensor and the genes' walk votes (fixed for
a run, so computed once); the MLP uses only the features.
"""

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy import sparse
from torch import nn

from genotools import __version__
from genotools.checkpoint import load_weights, read_metadata
from genotools.errors import InputError
from genotools.function.network import walk_shares
from genotools.function.ontology import Ontology

if TYPE_CHECKING:  # only for hints: the training code imports this module
    from genotools.function.annotations import Annotations
    from genotools.function.features import Features, GeneData
    from genotools.function.network import Network
    from genotools.function.training import GeneTrainConfig, TrainedGeneModel

KIND = "gene-function"  # the "kind" of a gene-function model's metadata

# Chosen on the simulated study (simulate.py), where a few hundred genes make heavy dropout pay; to revisit on GO.
DEFAULT_HYPERPARAMETERS = {"hidden": 128, "layers": 2, "dropout": 0.5, "input_dropout": 0.5}
# How much of a gene's neighbourhood the term frequencies count for in its vote: on GO data (BP) 0.1 and 0.3
# gave the trained gnn the same Fmax, 1 lost 0.011.
VOTE_PRIOR_WEIGHT = 0.3


class FeatureMLP(nn.Module):
    def __init__(self, inputs: int, terms: int, hidden: int, layers: int, dropout: float,
                 input_dropout: float) -> None:
        super().__init__()
        blocks = [nn.Dropout(input_dropout), nn.Linear(inputs, hidden), nn.GELU(), nn.Dropout(dropout)]
        for _ in range(layers - 1):
            blocks += [nn.Linear(hidden, hidden), nn.LayerNorm(hidden), nn.GELU(), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*blocks, nn.Linear(hidden, terms))

    def forward(self, features: torch.Tensor, adjacency: torch.Tensor, votes: torch.Tensor | None) -> torch.Tensor:
        return self.layers(features)


class SAGELayer(nn.Module):
    """state + GELU(W_self state + W_neighbours (mean of neighbours' states)), then LayerNorm."""

    def __init__(self, hidden: int, dropout: float) -> None:
        super().__init__()
        self.self_weights, self.neighbour_weights = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden, bias=False)
        self.dropout, self.norm = nn.Dropout(dropout), nn.LayerNorm(hidden)

    def forward(self, state: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        # The sparse product runs in float32 outside autocast: sparse kernels take no bf16/fp16 on every device.
        with torch.autocast(state.device.type, enabled=False):
            neighbours = torch.sparse.mm(adjacency, state.float())
        update = nn.functional.gelu(self.self_weights(state) + self.neighbour_weights(neighbours))
        return self.norm(state + self.dropout(update))


def walk_votes(adjacency: sparse.spmatrix, labels: np.ndarray, known: np.ndarray,
               prior: np.ndarray | None = None) -> np.ndarray:
    """genes x terms (float32): the log-odds of each term's share of the `known` genes (bool per gene) that a
    random walk from each gene reaches (network.walk_shares, restart 0.3) in `labels` (genes x terms, 0/1), with
    the term's `prior` frequency (by default, among the known genes) counted as VOTE_PRIOR_WEIGHT of the gene's
    direct neighbours. So a gene that reaches no known gene gets the log-odds of the prior, and one with a
    single known neighbour is not certain of its terms. `adjacency`: the genes x genes scipy matrix of edge
    weights, without self-loops."""
    labels = np.asarray(labels, dtype=np.float32)
    prior = labels[known].mean(0) if prior is None else prior
    vote = np.clip(walk_shares(adjacency, labels, known, prior, prior_weight=VOTE_PRIOR_WEIGHT), 1e-4, 1 - 1e-4)
    return np.log(vote / (1 - vote))  # clipped: a term of every gene (a root) would get infinite log-odds


class GeneGNN(nn.Module):
    def __init__(self, inputs: int, terms: int, annotated_genes: int, hidden: int, layers: int, dropout: float,
                 input_dropout: float) -> None:
        """`annotated_genes`: how many genes' annotations (their learned terms) the model keeps."""
        super().__init__()
        self.register_buffer("annotations", torch.zeros(annotated_genes, terms, dtype=torch.uint8))
        self.encode = nn.Sequential(nn.Dropout(input_dropout), nn.Linear(inputs, hidden), nn.GELU(),
                                    nn.LayerNorm(hidden), nn.Dropout(dropout))
        self.layers = nn.ModuleList(SAGELayer(hidden, dropout) for _ in range(layers))
        self.out = nn.Linear(hidden, terms)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.vote_weight = nn.Parameter(torch.ones(terms))

    def forward(self, features: torch.Tensor, adjacency: torch.Tensor, votes: torch.Tensor) -> torch.Tensor:
        state = self.encode(features)
        for layer in self.layers:
            state = layer(state, adjacency)
        return self.out(state) + self.vote_weight * votes


def build_gene_model(name: str, inputs: int, terms: int, annotated_genes: int = 0,
                     hyperparameters: dict = DEFAULT_HYPERPARAMETERS) -> FeatureMLP | GeneGNN:
    if name == "mlp":
        return FeatureMLP(inputs, terms, **hyperparameters)
    if name == "gnn":
        return GeneGNN(inputs, terms, annotated_genes, **hyperparameters)
    raise ValueError(f"model must be mlp or gnn, not {name!r}")


def mean_adjacency(adjacency: sparse.spmatrix, device: torch.device) -> torch.Tensor:
    """The genes x genes torch sparse COO tensor (float32) whose product with the genes' states gives each gene
    the edge-weighted mean of its neighbours' states: each row of `adjacency` (scipy) divided by its sum. A gene
    without edges has an empty row, so it gets zeros. (COO rather than CSR: PyTorch's CSR is still in beta and
    says so on every use.)"""
    adjacency = sparse.csr_matrix(adjacency, dtype=np.float64)
    degree = np.asarray(adjacency.sum(1)).ravel()
    normalised = (sparse.diags(np.divide(1, degree, out=np.zeros_like(degree), where=degree > 0)) @ adjacency).tocoo()
    indices = torch.from_numpy(np.vstack([normalised.row, normalised.col]).astype(np.int64))
    return torch.sparse_coo_tensor(indices, torch.from_numpy(normalised.data.astype(np.float32)), normalised.shape,
                                   check_invariants=False).coalesce().to(device)


def gene_model_metadata(trained: "TrainedGeneModel", data: "GeneData", annotations: "Annotations", ontology: Ontology,
                        features: "Sequence[Features]", network: "Network | None", config: "GeneTrainConfig",
                        evidence_dropped: list[str], hyperparameters: dict = DEFAULT_HYPERPARAMETERS) -> dict:
    """The metadata of the final model `trained` (a training.TrainedGeneModel) of `data`, built from the
    Annotations, Ontology, Features and Network (or None) read, and trained with `config`; the model file is
    `checkpoint.save_model(path, trained.model, metadata)`."""
    dag = ontology.restrict(trained.terms)
    return {
        "kind": KIND,
        "model": config.model,
        "aspect": annotations.aspect,
        "terms": dag.ids,
        "names": dag.names,
        "parents": [parents.tolist() for parents in dag.parents],
        "inputs": data.features.shape[1],
        "hyperparameters": hyperparameters,
        "features": {matrix.kind: {"source": Path(matrix.path).name, **matrix.preprocessing} for matrix in features},
        "network": Path(network.path).name if config.model == "gnn" else None,
        "annotated_genes": trained.annotated_genes,
        "training": {**dataclasses.asdict(config), "annotations": Path(annotations.path).name,
                     "ontology": Path(ontology.path).name, "evidence_dropped": evidence_dropped,
                     "genes": int(data.annotated.sum()), "best_epoch": trained.best_epoch,
                     "torch_version": torch.__version__},
        "genotools_version": __version__,
    }


def load_gene_model(path: Path | str) -> tuple[nn.Module, dict]:
    """(network in eval mode on the CPU, metadata) from a model file written with `gene_model_metadata`."""
    metadata = read_metadata(path)
    if metadata.get("kind") != KIND:
        raise InputError(f"{path}: not a gene-function model; train one with genotools-gene-function train")
    model = build_gene_model(metadata["model"], metadata["inputs"], len(metadata["terms"]),
                             len(metadata["annotated_genes"]), metadata["hyperparameters"])
    return load_weights(path, model), metadata


def model_ontology(metadata: dict, path: Path | str) -> Ontology:
    """The ontology of a model's terms, as its metadata keeps it (ids, names and parents), for consistent scores."""
    terms = metadata["terms"]
    return Ontology(path, terms, metadata["names"], [metadata["aspect"]] * len(terms),
                    [np.array(parents, dtype=np.int64) for parents in metadata["parents"]], {}, set())
