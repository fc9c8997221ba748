"""Gene-function networks: genes' features (and their interaction network) in, one logit per GO term out.

mlp  an MLP over each gene's features alone
gnn  an input MLP, then GraphSAGE-style layers (Hamilton et al. 2017): each gene's state is updated from itself
     and the edge-weighted mean of its neighbours' states, with a residual connection and LayerNorm. A gene
     without edges gets no neighbour message and keeps what its own features say.
Both run over every gene at once (the full graph fits in memory): forward(features, adjacency) takes all genes'
features and the row-normalised adjacency as a torch sparse tensor, which the MLP does not use.
"""

import numpy as np
import torch
from scipy import sparse
from torch import nn

from genotools.checkpoint import load_weights, read_metadata
from genotools.errors import InputError
from genotools.function.ontology import Ontology

KIND = "gene-function"  # the "kind" of a gene-function model's metadata

# Chosen on the simulated study (simulate.py), where a few hundred genes make heavy dropout pay; to revisit on GO.
DEFAULT_HYPERPARAMETERS = {"hidden": 128, "layers": 2, "dropout": 0.5, "input_dropout": 0.5}


class FeatureMLP(nn.Module):
    def __init__(self, inputs, terms, hidden, layers, dropout, input_dropout):
        super().__init__()
        blocks = [nn.Dropout(input_dropout), nn.Linear(inputs, hidden), nn.GELU(), nn.Dropout(dropout)]
        for _ in range(layers - 1):
            blocks += [nn.Linear(hidden, hidden), nn.LayerNorm(hidden), nn.GELU(), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*blocks, nn.Linear(hidden, terms))

    def forward(self, features, adjacency):
        return self.layers(features)


class SAGELayer(nn.Module):
    """state + GELU(W_self state + W_neighbours (mean of neighbours' states)), then LayerNorm."""

    def __init__(self, hidden, dropout):
        super().__init__()
        self.self_weights, self.neighbour_weights = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden, bias=False)
        self.dropout, self.norm = nn.Dropout(dropout), nn.LayerNorm(hidden)

    def forward(self, state, adjacency):
        # The sparse product runs in float32 outside autocast: sparse kernels take no bf16/fp16 on every device.
        with torch.autocast(state.device.type, enabled=False):
            neighbours = torch.sparse.mm(adjacency, state.float())
        update = nn.functional.gelu(self.self_weights(state) + self.neighbour_weights(neighbours))
        return self.norm(state + self.dropout(update))


class GeneGNN(nn.Module):
    def __init__(self, inputs, terms, hidden, layers, dropout, input_dropout):
        super().__init__()
        self.encode = nn.Sequential(nn.Dropout(input_dropout), nn.Linear(inputs, hidden), nn.GELU(),
                                    nn.LayerNorm(hidden), nn.Dropout(dropout))
        self.layers = nn.ModuleList(SAGELayer(hidden, dropout) for _ in range(layers))
        self.out = nn.Linear(hidden, terms)

    def forward(self, features, adjacency):
        state = self.encode(features)
        for layer in self.layers:
            state = layer(state, adjacency)
        return self.out(state)


MODELS = {"mlp": FeatureMLP, "gnn": GeneGNN}


def build_gene_model(name, inputs, terms, hyperparameters=DEFAULT_HYPERPARAMETERS):
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, not {name!r}")
    return MODELS[name](inputs, terms, **hyperparameters)


def mean_adjacency(adjacency, device):
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


def load_gene_model(path):
    """(network in eval mode on the CPU, metadata) from a model file written by genotools-gene-function train."""
    metadata = read_metadata(path)
    if metadata.get("kind") != KIND:
        raise InputError(f"{path}: not a gene-function model; train one with genotools-gene-function train")
    model = build_gene_model(metadata["model"], metadata["inputs"], len(metadata["terms"]),
                             metadata["hyperparameters"])
    return load_weights(path, model), metadata


def model_ontology(metadata, path):
    """The ontology of a model's terms, as its metadata keeps it (ids, names and parents), for consistent scores."""
    terms = metadata["terms"]
    return Ontology(path, terms, metadata["names"], [metadata["aspect"]] * len(terms),
                    [np.array(parents, dtype=np.int64) for parents in metadata["parents"]], {}, set())
