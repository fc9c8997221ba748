"""genotools-drug-response: train a drug-response model on cell lines' omics and drugs' structures, evaluate it
by cross-validation, and predict the response of new cell lines to new drugs."""

import json
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.table import Table

from genotools.checkpoint import save_model
from genotools.drugs.baselines import out_of_fold, per_drug_mean, per_drug_ridge, tanimoto_neighbours
from genotools.drugs.chemistry import molecular_graphs, molecules, morgan_fingerprints, tanimoto
from genotools.drugs.features import chosen_features, model_features
from genotools.drugs.model import (
    DRUG_ENCODERS,
    FINGERPRINT_BITS,
    default_drug_encoder,
    drug_model_metadata,
    load_drug_model,
    response_scaling,
)
from genotools.drugs.splits import SPLITS, assign_folds
from genotools.drugs.tables import DUPLICATE_RULES, match, read_drugs, read_pairs, read_response
from genotools.drugs.training import DrugTrainConfig, cross_validate, drug_tensors, predict_matrix
from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.tables import ORIENTATIONS, normalise, read_omics, summarise
from genotools.io.text import read_lines
from genotools.metrics import grouped_metrics
from genotools.report import plot_drug_response
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

DEFAULTS = DrugTrainConfig()

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
    = DEFAULTS.split,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = DEFAULTS.folds,
    features: Annotated[int, typer.Option(
        min=1, help="Most variable features kept from each omics matrix (variance over training cell lines).")]
    = DEFAULTS.features,
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
        help="Drug representation: fingerprint (Morgan bits), graph (a graph neural network over the molecule), "
        "both, or similarity (Tanimoto similarity to the training drugs); auto: similarity for a drug-blind "
        "split, else both.")] = "auto",
    ensemble: Annotated[int, typer.Option(
        min=1, help="Networks per model, each trained with its own initial weights and early-stopping hold-out; "
        "the model predicts their mean.")] = DEFAULTS.ensemble,
    epochs: Annotated[int, typer.Option(min=1, help="Maximum epochs per training run.")] = DEFAULTS.epochs,
    batch_size: Annotated[int, typer.Option(
        min=2, help="Cell lines per training step, each with all its training measurements.")] = DEFAULTS.batch_size,
    lr: Annotated[float, typer.Option(min=0, help="Learning rate (AdamW).")] = DEFAULTS.lr,
    patience: Annotated[int, typer.Option(
        min=1, help="Stop a training run after this many epochs without a better validation loss.")]
    = DEFAULTS.patience,
    resume: Resume = None,
    checkpoint: Checkpoint = None,
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
    precision: Precision = DEFAULTS.precision,
    device: Device = "auto",
    seed: Seed = DEFAULTS.seed,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Train a drug-response model: an ensemble of networks, each an omics encoder for cell lines and a drug
    encoder (fingerprint, molecular graph or similarity to the training drugs), combined to predict the
    response. K-fold cross-validation (random, cell-blind or drug-blind) reports the model's metrics overall and
    per drug beside baselines on the same folds; then the model is trained on all measurements and saved with
    its preprocessing."""
    with reported_errors("genotools-drug-response train", debug):
        configure(threads, seed)
        device = resolve_device(device)
        check_choices((("--split", split, SPLITS), ("--drug-encoder", drug_encoder, ("auto", *DRUG_ENCODERS)),
                       ("--orientation", orientation, ORIENTATIONS), ("--duplicates", duplicates, DUPLICATE_RULES)))
        if drug_encoder == "auto":
            drug_encoder = default_drug_encoder(split)
        checkpoint = checkpoint or beside(output, ".checkpoint.safetensors")
        metrics = metrics or beside(output, ".metrics.json")
        fold_table = fold_table or beside(output, ".folds.tsv")
        predictions = predictions or beside(output, ".cv_predictions.tsv")
        plot = plot or beside(output, ".cv.png")

        measured = read_response(response, cell_column, drug_column, value_column, duplicates)
        kept = {line.strip() for line in read_lines(feature_list, "feature list") if line.strip()} if feature_list \
            else None
        if kept == set():
            raise InputError(f"{feature_list}: feature list names no feature; give one feature name per line")
        matrices = [chosen_features(read_omics(path, measured.cells, orientation), kept, log) for path in omics]
        table = read_drugs(drugs)
        dataset = match(measured, matrices, table)
        mols = molecules(dataset.drugs, dataset.smiles, drugs)
        fold_of = assign_folds(dataset, split, folds, seed)
        for line in summarise(table.merged):
            say(quiet, f"merged: {line}")
        for line in summarise(dataset.unmatched):
            say(quiet, f"not matched: {line}")
        say(quiet, f"{len(dataset.values)} measurements: {len(dataset.cells)} cell lines x {len(dataset.drugs)} drugs"
            f" ({measured.missing} rows without a value, {measured.merged} duplicates merged by {duplicates})")
        fingerprints, graphs = morgan_fingerprints(mols, n_bits=FINGERPRINT_BITS), molecular_graphs(mols)
        config = DrugTrainConfig(split=split, folds=folds, features=features, drug_encoder=drug_encoder,
                                 ensemble=ensemble, epochs=epochs, batch_size=batch_size, lr=lr, patience=patience,
                                 precision=precision, seed=seed)
        with training_bar(quiet) as bar:
            result = cross_validate(dataset, fingerprints, graphs, fold_of, config, device, checkpoint, resume,
                                    TrainingProgress(bar, unit="cell lines"))
        baselines = ({"tanimoto_neighbours": out_of_fold(dataset, fold_of, tanimoto_neighbours,
                                                         similarity=tanimoto(fingerprints, fingerprints))}
                     if split == "drug-blind" else
                     {"per_drug_mean": out_of_fold(dataset, fold_of, per_drug_mean),
                      "per_drug_ridge": out_of_fold(dataset, fold_of, per_drug_ridge, n_features=features)})
        methods = {"model": result.predictions, **baselines}

        report = {"split": split, "folds": folds, "seed": seed, "measurements": len(dataset.values),
                  "cell_lines": len(dataset.cells), "drugs": len(dataset.drugs),
                  "unmatched": {what: len(names) for what, names in dataset.unmatched.items()},
                  "model": grouped_metrics(dataset.values, result.predictions, dataset.drug_index),
                  "baselines": {name: grouped_metrics(dataset.values, values, dataset.drug_index)
                                for name, values in baselines.items()},
                  "runs": [{**run, "epochs_run": len(run["history"])} for run in result.runs]}
        metadata = drug_model_metadata(result, config, dataset, response, omics, log)
        save_model(output, result.final.model, metadata)
        with atomic_output(metrics) as tmp:
            tmp.write_text(json.dumps(report, indent=2) + "\n")
        with atomic_output(fold_table) as tmp:
            _fold_metrics(dataset, fold_of, methods).to_csv(tmp, sep="\t", index=False, float_format="%.4f")
        with atomic_output(predictions) as tmp:
            pd.DataFrame({"cell_line": np.array(dataset.cells)[dataset.cell_index],
                          "drug": np.array(dataset.drugs)[dataset.drug_index], "observed": dataset.values,
                          "fold": fold_of + 1, **{("predicted" if name == "model" else name): values
                                                  for name, values in methods.items()}},
                         columns=["cell_line", "drug", "observed", "predicted", "fold", *baselines]
                         ).to_csv(tmp, sep="\t", index=False, float_format="%.4f")
        with atomic_output(plot) as tmp:
            plot_drug_response(dataset.values, methods, dataset.drug_index, tmp)
        if not quiet:
            stderr.print(_metrics_table(report, split))
        say(quiet, f"model: {output}\nmetrics: {metrics}\nper fold: {fold_table}\ncross-validated predictions: "
            f"{predictions}\nplot: {plot}\ncheckpoint: {checkpoint}")


def predict(
    model: Annotated[Path, existing_file("Model from genotools-drug-response train (.safetensors).")],
    omics: Annotated[list[Path], existing_file(
        "The omics matrices of the cell lines to predict: the kinds the model was trained on, in any order.",
        metavar="<file>")],
    drugs: Annotated[Path, existing_file("Drug names and SMILES (TSV or CSV).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Predictions to write (TSV).", dir_okay=False)],
    pairs: Annotated[Optional[Path], existing_file(
        "Cell line and drug pairs to predict (TSV or CSV) [default: every cell line with every drug].")] = None,
    orientation: Orientation = "auto",
    batch_size: Annotated[int, typer.Option(min=1, help="Cell lines per forward pass, each with every drug.")]
    = 256,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Predict the response of cell lines to drugs with a model from genotools-drug-response train: the
    omics go through the preprocessing saved in the model. A model trained on a drug-blind split predicts new
    drugs; one trained on a random or cell-blind split, the drugs it was trained on."""
    with reported_errors("genotools-drug-response predict", debug):
        configure(threads, seed)
        device = resolve_device(device)
        check_choices((("--orientation", orientation, ORIENTATIONS),))
        network, metadata = load_drug_model(model)
        wanted = read_pairs(pairs) if pairs else None
        cells, features = model_features(omics, metadata, orientation, lambda message: say(quiet, message))
        table = read_drugs(drugs)
        mols = molecules(table.names, table.smiles, drugs)
        for line in summarise(table.merged):
            say(quiet, f"merged: {line}")
        if wanted:
            cell_at = _positions(cells, wanted[0], pairs, "cell lines", " and ".join(map(str, omics)))
            drug_at = _positions(table.names, wanted[1], pairs, "drugs", str(drugs))
        else:
            cell_at = np.repeat(np.arange(len(cells)), len(table.names))
            drug_at = np.tile(np.arange(len(table.names)), len(cells))
        trained_at, mean, std = response_scaling(metadata, table.names, np.unique(drug_at), model)
        drug_input = drug_tensors(morgan_fingerprints(mols, n_bits=metadata["fingerprint_bits"]),
                                  molecular_graphs(mols), device, trained_at)
        needed = np.unique(cell_at)
        scaled = predict_matrix(network.to(device), features[needed], drug_input, device, batch_size, precision)
        values = scaled[np.searchsorted(needed, cell_at), drug_at] * std[drug_at] + mean[drug_at]
        with atomic_output(output) as tmp:
            pd.DataFrame({"cell_line": wanted[0] if wanted else np.array(cells)[cell_at],
                          "drug": wanted[1] if wanted else np.array(table.names)[drug_at], "predicted": values}
                         ).to_csv(tmp, sep="\t", index=False, float_format="%.4f")
        say(quiet, f"{len(values)} predictions ({len(needed)} cell lines, {len(np.unique(drug_at))} drugs): {output}")


def _positions(names, wanted, source, what, where):
    """The index in `names` of each of `wanted` (matched after normalisation); an error names those not found."""
    index = {normalise(name): i for i, name in enumerate(names)}
    unknown = sorted({name for name in wanted if normalise(name) not in index})
    if unknown:
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        raise InputError(f"{source}: {what} not in {where}: {', '.join(unknown[:3])}{more}")
    return np.array([index[normalise(name)] for name in wanted], dtype=np.int64)


def _fold_metrics(dataset, fold_of, methods):
    """One row per fold and method: the metrics on that fold's test measurements."""
    rows = []
    for fold in np.unique(fold_of):
        test = fold_of == fold
        for method, values in methods.items():
            m = grouped_metrics(dataset.values[test], values[test], dataset.drug_index[test])
            rows.append({"fold": fold + 1, "method": method, "measurements": int(test.sum()),
                         "pearson": m["overall"]["pearson"], "spearman": m["overall"]["spearman"],
                         "rmse": m["overall"]["rmse"], "per_drug_pearson": m["mean_per_group"]["pearson"],
                         "per_drug_spearman": m["mean_per_group"]["spearman"]})
    return pd.DataFrame(rows)


def _metrics_table(report, split):
    table = Table(title=f"Cross-validation, {split} split")
    for column in ("method", "Pearson", "Spearman", "RMSE", "per-drug Pearson"):
        table.add_column(column)
    for method, m in [("model", report["model"]), *report["baselines"].items()]:
        overall = m["overall"]
        values = (overall["pearson"], overall["spearman"], overall["rmse"], m["mean_per_group"]["pearson"])
        table.add_row(method, *("" if v is None else f"{v:.3f}" for v in values))
    return table


app = group_app(
    "Drug-response prediction from cell lines' omics and drugs' chemical structures.",
    {"train": (train, "genotools-drug-response train --response response.tsv --omics expression.tsv "
               "--drugs drugs.tsv --split cell-blind --output model.safetensors"),
     "predict": (predict, "genotools-drug-response predict --model model.safetensors --omics expression.tsv "
                 "--drugs drugs.tsv --output predictions.tsv")})
