"""genotools-predict: a trained model's predictions for encoded data, BED regions or FASTA sequences."""

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from genotools.errors import InputError
from genotools.io.atomic import atomic_output
from genotools.io.hdf5 import read_dataset
from genotools.runtime import configure, resolve_device
from genotools.sequence.datasets import encode_fasta, encode_regions
from genotools.sequence.inference import check_compatible, predict
from genotools.sequence.model_file import load_sequence_model

from .common import (
    AverageStrands,
    BatchSize,
    Debug,
    Device,
    Precision,
    Quiet,
    Seed,
    Threads,
    Version,
    existing_file,
    one_task,
    reported_errors,
    say,
    single_command_app,
)

FORMATS = ("tsv", "bedgraph")


def predict_command(
    model: Annotated[Path, existing_file("Model from genotools-train (.safetensors).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Predictions to write (TSV or bedGraph).",
                                         dir_okay=False)],
    data: Annotated[Optional[Path], existing_file("Encoded dataset from genotools-encode (HDF5).")] = None,
    reference: Annotated[Optional[Path], existing_file(
        "Reference genome FASTA; windows of the model's length are centred on each --regions entry.")] = None,
    regions: Annotated[Optional[Path], existing_file("BED regions to predict, with --reference.")] = None,
    fasta: Annotated[Optional[Path], existing_file(
        "Sequences to predict (FASTA); each is cut or N-padded around its centre to the model's length.")] = None,
    output_format: Annotated[str, typer.Option(
        "--format", help="tsv (name, coordinates when known, one column per task) or bedgraph (one task, "
        "needs coordinates) [default: from the OUTPUT extension].")] = "auto",
    task: Annotated[Optional[str], typer.Option(help="The task to write as bedGraph (models with several).")] = None,
    batch_size: BatchSize = 256,
    reverse_complement: AverageStrands = True,
    precision: Precision = "fp32",
    device: Device = "auto",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Predict every task of a trained model (probabilities for binary tasks, values in the training units for
    regression tasks) from an encoded dataset, from BED regions on a reference, or from FASTA sequences."""
    with reported_errors("genotools-predict", debug):
        configure(threads, seed)
        device = resolve_device(device)
        if output_format == "auto":
            output_format = "bedgraph" if output.suffix.lower() in (".bedgraph", ".bg") else "tsv"
        if output_format not in FORMATS:
            raise InputError(f"--format {output_format!r}: choose tsv or bedgraph")
        if task is not None and output_format == "tsv":
            raise InputError("--task chooses the task of bedGraph output; a TSV holds every task (leave out --task, "
                             "or write bedGraph)")
        if sum(x is not None for x in (data, fasta, regions or reference)) != 1 or bool(reference) != bool(regions):
            raise InputError("give exactly one input: --data, --fasta, or --reference with --regions")
        network, metadata = load_sequence_model(model)
        if data:
            dataset = read_dataset(data, in_memory=False)
            check_compatible(metadata, dataset, data)
            attrs, chunks = dataset.attrs, [dataset]
        else:
            encoded = (encode_fasta(fasta, seq_len=metadata["seq_len"]) if fasta else
                       encode_regions(reference, regions, seq_len=metadata["seq_len"]))
            attrs, chunks = encoded.attrs, encoded.chunks
        fingerprint = attrs.get("reference_fingerprint")
        if fingerprint and metadata.get("reference_fingerprint") and fingerprint != metadata["reference_fingerprint"]:
            say(quiet, "warning: the reference's contigs differ from those of the genome the model was trained on")

        network = network.to(device)
        table = pd.concat([_predictions(network, metadata, chunk, device, batch_size, precision, reverse_complement)
                           for chunk in chunks], ignore_index=True)
        if set(table["strand"]) == {"+"}:
            table = table.drop(columns="strand")
        with atomic_output(output) as tmp:
            if output_format == "tsv":
                table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
            else:
                _bedgraph(table, metadata["task_names"], task).to_csv(tmp, sep="\t", index=False, header=False,
                                                                       float_format="%.6g")
        say(quiet, f"predicted {len(table)} sequences for {len(metadata['task_names'])} task(s) into {output}")


def _predictions(network, metadata, dataset, device, batch_size, precision, reverse_complement):
    """A table of the predictions for each sequence of `dataset`: its name, strand and coordinates, then each
    task's prediction."""
    predicted = predict(network, metadata, dataset.onehot, device, batch_size, precision, reverse_complement)
    table = pd.DataFrame({"name": dataset.names, "strand": dataset.strands})
    if dataset.chroms is not None:
        table = table.assign(chrom=dataset.chroms, start=dataset.starts, end=dataset.ends)
    return pd.concat([table, pd.DataFrame(predicted, columns=metadata["task_names"])], axis=1)


def _bedgraph(table, task_names, task):
    if "chrom" not in table:
        raise InputError("bedGraph needs coordinates: predict from --reference/--regions or a dataset encoded "
                         "from them")
    task = one_task(task, task_names, " for bedGraph")
    return table[["chrom", "start", "end", task]].sort_values(["chrom", "start"], kind="stable")


app = single_command_app(
    predict_command, "genotools-predict --model model.safetensors --reference genome.fa --regions peaks.bed "
    "--output predictions.tsv")
