"""genotools-drug-response: train a drug-response model on cell lines' omics and drugs' structures, evaluate it
by cross-validation, and predict the response of new cell lines to new drugs."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from .common import (BatchSize, Debug, Device, Precision, Quiet, Seed, Threads, Version, existing_file,
                     group_app)

Orientation = Annotated[str, typer.Option(
    help="Whether the cell lines of each --omics matrix are its rows or its columns; auto takes the side whose "
    "names match more of the cell lines.")]


def train(
    response: Annotated[Path, existing_file(
        "Measured response, one row per cell line and drug (TSV or CSV): cell line, drug and value columns, "
        "found by name (e.g. cell_line, drug, ln_ic50) unless named with --cell-column, --drug-column, "
        "--value-column.")],
    omics: Annotated[list[Path], existing_file(
        "Numeric matrix of cell lines and features (expression, mutations, copy number ...; TSV or CSV), "
        "repeatable. A cell line must be in every matrix.", metavar="<file>")],
    drugs: Annotated[Path, existing_file("Drug names and SMILES (TSV or CSV).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.safetensors).",
                                         dir_okay=False)],
    split: Annotated[str, typer.Option(
        help="Cross-validation split: random (pairs), cell-blind (new cell lines) or drug-blind (new drugs).")]
    = "cell-blind",
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    features: Annotated[int, typer.Option(
        min=1, help="Most variable features kept from each omics matrix (variance over training cell lines).")]
    = 2000,
    feature_list: Annotated[Optional[Path], existing_file(
        "Keep only these features (one name per line) before choosing the most variable.")] = None,
    log: Annotated[bool, typer.Option(help="log2(x + 1) the omics values (raw counts or TPM) before "
                                      "standardising.")] = False,
    orientation: Orientation = "auto",
    cell_column: Annotated[Optional[str], typer.Option(help="Cell-line column of --response.")] = None,
    drug_column: Annotated[Optional[str], typer.Option(help="Drug column of --response.")] = None,
    value_column: Annotated[Optional[str], typer.Option(help="Response value column of --response.")] = None,
    duplicates: Annotated[str, typer.Option(
        help="Several measurements of one cell line and drug: mean, median, first, or error.")] = "mean",
    drug_encoder: Annotated[str, typer.Option(
        help="Drug representation: fingerprint (Morgan bits), graph (a graph neural network over the "
        "molecule) or both.")] = "both",
    epochs: Annotated[int, typer.Option(min=1, help="Maximum epochs per training run.")] = 100,
    batch_size: Annotated[int, typer.Option(min=2, help="Measurements per training step.")] = 256,
    lr: Annotated[float, typer.Option(min=0, help="Learning rate (AdamW).")] = 1e-3,
    patience: Annotated[int, typer.Option(
        min=1, help="Stop a training run after this many epochs without a better validation loss.")] = 10,
    resume: Annotated[Optional[Path], existing_file(
        "Resume from this checkpoint (written every epoch) with the same options and data.")] = None,
    checkpoint: Annotated[Optional[Path], typer.Option(
        help="Checkpoint to write every epoch [default: OUTPUT with .checkpoint.safetensors].",
        dir_okay=False)] = None,
    metrics: Annotated[Optional[Path], typer.Option(
        help="Cross-validation metrics JSON, model beside baselines [default: OUTPUT with .metrics.json].",
        dir_okay=False)] = None,
    fold_table: Annotated[Optional[Path], typer.Option(
        help="Metrics per fold and method, TSV [default: OUTPUT with .folds.tsv].", dir_okay=False)] = None,
    predictions: Annotated[Optional[Path], typer.Option(
        help="Out-of-fold predictions of every measurement, TSV [default: OUTPUT with .cv_predictions.tsv].",
        dir_okay=False)] = None,
    plot: Annotated[Optional[Path], typer.Option(
        help="Predicted against observed, and per-drug correlations, PNG [default: OUTPUT with .cv.png].",
        dir_okay=False)] = None,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Train a drug-response model: an omics encoder for cell lines and a fingerprint and molecular-graph
    encoder for drugs, combined to predict the response. K-fold cross-validation (random, cell-blind or
    drug-blind) reports the model's metrics overall and per drug beside baselines on the same folds; then the
    model is trained on all measurements and saved with its preprocessing."""
    raise NotImplementedError


def predict(
    model: Annotated[Path, existing_file("Model from genotools-drug-response train (.safetensors).")],
    omics: Annotated[list[Path], existing_file(
        "The omics matrices of the cell lines to predict, the same kinds and order as in training.",
        metavar="<file>")],
    drugs: Annotated[Path, existing_file("Drug names and SMILES (TSV or CSV).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Predictions to write (TSV).", dir_okay=False)],
    pairs: Annotated[Optional[Path], existing_file(
        "Cell line and drug pairs to predict (TSV or CSV) [default: every cell line with every drug].")] = None,
    orientation: Orientation = "auto",
    batch_size: BatchSize = 4096,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Predict the response of cell lines to drugs with a model from genotools-drug-response train: the
    omics go through the preprocessing saved in the model, and a drug may be one it never saw."""
    raise NotImplementedError


app = group_app(
    "Drug-response prediction from cell lines' omics and drugs' chemical structures.",
    {"train": (train, "genotools-drug-response train --response response.tsv --omics expression.tsv "
               "--drugs drugs.tsv --split cell-blind --output model.safetensors"),
     "predict": (predict, "genotools-drug-response predict --model model.safetensors --omics expression.tsv "
                 "--drugs drugs.tsv --output predictions.tsv")})
