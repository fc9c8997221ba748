"""The drug-response network: a cell-line encoder over the omics, a drug encoder over the Morgan fingerprint,
the molecular graph or the similarity to the training drugs, and a head that predicts the response of every cell
line to every drug. A model is an ensemble of such networks, whose predictions are averaged; one that predicts
only its training drugs (random and cell-blind splits) also holds a per-drug ridge regression, and predicts the
mean of the ridge and of the networks.

A forward pass takes a batch of cell lines and all drugs at once and returns the cells x drugs matrix of
predictions: there are few drugs (hundreds) and small molecules, so encoding every drug each step costs little,
and the loss is taken over whichever entries were measured.

A model file (`checkpoint.save_model(path, model, drug_model_metadata(...))`, read back by `load_drug_model`)
holds the ensemble's weights and, as metadata, the network's options, the omics preprocessing, how its output
becomes a response, the training options and the versions.
"""

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from genotools import __version__
from genotools.checkpoint import load_weights, read_metadata
from genotools.drugs.chemistry import ATOM_FEATURES
from genotools.errors import InputError
from genotools.io.tables import normalise

if TYPE_CHECKING:  # only for hints: the training code imports this module
    from genotools.drugs.tables import Dataset
    from genotools.drugs.training import CrossValidation, DrugTrainConfig

KIND = "drug-response"  # the "kind" of a drug-response model's metadata
FINGERPRINT_BITS = 2048  # the Morgan fingerprints the tools give a model

DRUG_ENCODERS = ("fingerprint", "graph", "both", "similarity")
DEFAULT_HYPERPARAMETERS = {"hidden": 512, "embedding": 128, "head_hidden": 256, "dropout": 0.3,
                           "input_dropout": 0.2, "graph_hidden": 64, "graph_layers": 3}


def default_drug_encoder(split: str) -> str:
    """The drug encoder that predicted best on GDSC2 (benchmarks/drug_response.py): the similarity to the
    training drugs for new drugs (drug-blind), the fingerprint and the molecular graph for known ones."""
    return "similarity" if split == "drug-blind" else "both"


def _mlp(inputs, hidden, outputs, dropout, input_dropout=0.0):
    return nn.Sequential(nn.Dropout(input_dropout), nn.Linear(inputs, hidden), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(hidden, outputs))


class GraphEncoder(nn.Module):
    """GIN layers (Xu et al. 2019): each atom adds up its neighbours' states, then an MLP; a molecule is the
    mean and the maximum of its atoms' final states."""

    def __init__(self, hidden: int, layers: int, outputs: int) -> None:
        super().__init__()
        self.embed = nn.Linear(ATOM_FEATURES, hidden)
        self.layers = nn.ModuleList(nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, hidden))
                                    for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.out = nn.Linear(2 * hidden, outputs)

    def forward(self, atoms: torch.Tensor, edges: torch.Tensor, molecule: torch.Tensor, count: int) -> torch.Tensor:
        state = self.embed(atoms)
        for layer, norm in zip(self.layers, self.norms):
            neighbours = torch.zeros_like(state).index_add_(0, edges[1], state[edges[0]])
            state = norm(state + layer(state + neighbours))
        sizes = torch.bincount(molecule, minlength=count).clamp(min=1).unsqueeze(1)
        mean = torch.zeros(count, state.shape[1], device=state.device, dtype=state.dtype)
        mean = mean.index_add_(0, molecule, state) / sizes
        maximum = torch.full_like(mean, -torch.inf).scatter_reduce_(0, molecule.unsqueeze(1).expand_as(state), state,
                                                                     "amax")
        return self.out(torch.cat([mean, maximum], dim=1))


def tanimoto_similarity(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Tanimoto similarity of each fingerprint (rows of 0/1) of `a` to each of `b`."""
    shared = a @ b.T
    return shared / (a.sum(1, keepdim=True) + b.sum(1).unsqueeze(0) - shared).clamp(min=1)


class SimilarityEncoder(nn.Module):
    """A drug as a linear map of its Tanimoto similarities to the drugs a network was trained on: a kernel
    regression over the training drugs, which predicts a new drug from the drugs that resemble it."""

    def __init__(self, references: int, fingerprint_bits: int, outputs: int) -> None:
        super().__init__()
        self.register_buffer("references", torch.zeros(references, fingerprint_bits))
        self.out = nn.Linear(references, outputs)

    def forward(self, fingerprints: torch.Tensor) -> torch.Tensor:
        return self.out(tanimoto_similarity(fingerprints, self.references))


class PairHead(nn.Module):
    """An MLP over (cell, drug, cell * drug) for every pair. Its first layer is split into its three blocks so
    that the cell and drug blocks are computed once per cell and per drug, not once per pair."""

    def __init__(self, embedding: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.cell, self.drug = nn.Linear(embedding, hidden), nn.Linear(embedding, hidden, bias=False)
        self.interaction = nn.Linear(embedding, hidden, bias=False)
        self.out = nn.Sequential(nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def forward(self, cell: torch.Tensor, drug: torch.Tensor) -> torch.Tensor:
        """cells x embedding and drugs x embedding -> cells x drugs"""
        first = (self.cell(cell).unsqueeze(1) + self.drug(drug).unsqueeze(0)
                 + self.interaction(cell.unsqueeze(1) * drug.unsqueeze(0)))
        return self.out(first).squeeze(2)


class DrugResponseNet(nn.Module):
    def __init__(self, cell_features: int, fingerprint_bits: int, drug_encoder: str, references: int, hidden: int,
                 embedding: int, head_hidden: int, dropout: float, input_dropout: float, graph_hidden: int,
                 graph_layers: int) -> None:
        """`references`: the number of training drugs a similarity encoder compares with (0 for the others)."""
        super().__init__()
        self.cell_encoder = _mlp(cell_features, hidden, embedding, dropout, input_dropout)
        self.fingerprint_encoder = (_mlp(fingerprint_bits, hidden, embedding, dropout, input_dropout)
                                    if drug_encoder in ("fingerprint", "both") else None)
        self.graph_encoder = (GraphEncoder(graph_hidden, graph_layers, embedding)
                              if drug_encoder in ("graph", "both") else None)
        self.similarity_encoder = (SimilarityEncoder(references, fingerprint_bits, embedding)
                                   if drug_encoder == "similarity" else None)
        self.head = PairHead(embedding, head_hidden, dropout)

    def encode_drugs(self, drugs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Drug embeddings from a dict of tensors: fingerprints, and atoms, edges, molecule for the graph."""
        parts = []
        if self.fingerprint_encoder is not None:
            parts.append(self.fingerprint_encoder(drugs["fingerprints"]))
        if self.graph_encoder is not None:
            parts.append(self.graph_encoder(drugs["atoms"], drugs["edges"], drugs["molecule"],
                                            len(drugs["fingerprints"])))
        if self.similarity_encoder is not None:
            parts.append(self.similarity_encoder(drugs["fingerprints"]))
        return sum(parts)

    def forward(self, cells: torch.Tensor, drugs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Predictions for cells x drugs: `cells` is a batch of cell-line feature vectors."""
        return self.head(self.cell_encoder(cells), self.encode_drugs(drugs))


class PerDrugRidge(nn.Module):
    """A ridge regression of the response on the cell features for each training drug, fitted in closed form
    (genotools.drugs.baselines.fit_per_drug_ridge). `drugs["index"]` places each drug given among them."""

    def __init__(self, cell_features: int, drugs: int) -> None:
        super().__init__()
        self.register_buffer("weight", torch.zeros(cell_features, drugs))
        self.register_buffer("bias", torch.zeros(drugs))

    def forward(self, cells: torch.Tensor, drugs: dict[str, torch.Tensor]) -> torch.Tensor:
        return cells @ self.weight[:, drugs["index"]] + self.bias[drugs["index"]]


class Ensemble(nn.Module):
    """Networks trained apart (each its own initialisation and early-stopping hold-out); predicts their mean,
    or, with a per-drug ridge, the mean of that and of the networks' mean."""

    def __init__(self, members: Iterable[nn.Module], ridge: PerDrugRidge | None = None) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.ridge = ridge

    def forward(self, cells: torch.Tensor, drugs: dict[str, torch.Tensor]) -> torch.Tensor:
        networks = torch.stack([member(cells, drugs) for member in self.members]).mean(0)
        return networks if self.ridge is None else (networks + self.ridge(cells, drugs)) / 2


def build_drug_model(cell_features: int, fingerprint_bits: int, drug_encoder: str, references: int = 0,
                     hyperparameters: dict = DEFAULT_HYPERPARAMETERS) -> DrugResponseNet:
    return DrugResponseNet(cell_features, fingerprint_bits, drug_encoder, references, **hyperparameters)


def drug_model_metadata(cv: "CrossValidation", config: "DrugTrainConfig", dataset: "Dataset", response: Path | str,
                        omics: Sequence[Path | str], log: bool) -> dict:
    """The metadata of the final model of `cv` (a training.CrossValidation of `dataset` with `config`): `response`
    and `omics` are the files the dataset was read from, `log` whether the omics were log-transformed."""
    final = cv.final
    return {
        "kind": KIND,
        "drug_encoder": config.drug_encoder,
        "hyperparameters": DEFAULT_HYPERPARAMETERS,
        "fingerprint_bits": FINGERPRINT_BITS,
        "omics": [{"source": Path(path).name, "features": [features[i] for i in standardiser.selected],
                   "mean": standardiser.mean.tolist(), "scale": standardiser.scale.tolist()}
                  for path, features, standardiser in zip(omics, dataset.features, final.preprocessing.standardisers)],
        "references": final.references,
        "ridge": final.model.ridge is not None,
        "log": log,
        "target": _target_record(dataset.drugs, final, per_drug=config.split != "drug-blind"),
        "training": {**dataclasses.asdict(config), "response": str(response), "measurements": len(dataset.values),
                     "cell_lines": len(dataset.cells), "drugs": dataset.drugs,
                     "best_epochs": [run["best_epoch"] for run in cv.runs[-config.ensemble:]],
                     "torch_version": torch.__version__},
        "genotools_version": __version__,
    }


def _target_record(drugs, final, per_drug):
    """How the network's output becomes a response: per training drug, or one mean and std for any drug."""
    if per_drug:
        return {"drugs": drugs, "mean": final.target_mean.tolist(), "std": final.target_std.tolist()}
    return {"mean": float(final.target_mean[0]), "std": float(final.target_std[0])}


def response_scaling(metadata: dict, names: list[str], wanted: Iterable[int],
                     path: Path | str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(position among the training drugs, mean, std) of each drug of `names` (those at `wanted` checked): the
    network's output times std plus mean is the response. A model standardised per drug (trained on a random or
    cell-blind split) predicts only the drugs it was trained on; a model for any drug has one position, 0, for
    all."""
    target = metadata["target"]
    if "drugs" not in target:
        positions = np.zeros(len(names), dtype=np.int64)
    else:
        index = {normalise(drug): i for i, drug in enumerate(target["drugs"])}
        new = [names[i] for i in wanted if normalise(names[i]) not in index]
        if new:
            raise InputError(f"{path}: was trained for the drugs it saw (a random or cell-blind split); {len(new)} "
                             f"drugs are new to it (e.g. {', '.join(new[:3])}): leave them out, or train with "
                             "--split drug-blind to predict new drugs")
        positions = np.array([index.get(normalise(name), 0) for name in names], dtype=np.int64)
    return positions, *(np.atleast_1d(target[key])[positions] for key in ("mean", "std"))


def load_drug_model(path: Path | str) -> tuple[nn.Module, dict]:
    """(network in eval mode on the CPU, metadata) from a model file written with `drug_model_metadata`."""
    metadata = read_metadata(path)
    if metadata.get("kind") != KIND:
        raise InputError(f"{path}: not a drug-response model; train one with genotools-drug-response train")
    cell_features = sum(len(o["features"]) for o in metadata["omics"])
    model = Ensemble([build_drug_model(cell_features, metadata["fingerprint_bits"], metadata["drug_encoder"],
                                       references, metadata["hyperparameters"])
                      for references in metadata["references"]],
                     PerDrugRidge(cell_features, len(metadata["target"]["drugs"])) if metadata["ridge"] else None)
    return load_weights(path, model), metadata
