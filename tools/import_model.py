"""genotools-import-model: published weights made a genotools model file."""

from pathlib import Path
from typing import Annotated

import typer

from genotools.checkpoint import save_model
from genotools.sequence.published import SOURCES

from .common import (
    Debug,
    Device,
    Quiet,
    Seed,
    Threads,
    Version,
    check_choices,
    reported_errors,
    say,
    single_command_app,
)


def import_model(
    source: Annotated[str, typer.Option(help="Whose weights: spliceai (SpliceAI 1.3.1, Illumina) or cispliceai "
                                        "(CI-SpliceAI 1.2.2, Strauch et al.).")],
    weights: Annotated[list[Path], typer.Option(
        help="The published weights. spliceai: the spliceai-1.3.1 wheel (pip download --no-deps spliceai==1.3.1), "
        "a folder holding spliceai1.h5 ... spliceai5.h5, or .h5 files (repeat --weights); every model given joins "
        "the ensemble. cispliceai: the cispliceai-1.2.2 wheel (pip download --no-deps cispliceai==1.2.2) or the "
        "frozen TensorFlow graph it holds (CI-SpliceAI.pb).", exists=True, readable=True)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.safetensors).",
                                         dir_okay=False)],
    device: Device = "cpu",
    seed: Seed = 0,
    threads: Threads = 0,
    quiet: Quiet = False,
    debug: Debug = False,
    version: Version = None,
):
    """Convert a published model's weights into a genotools model file (safetensors, with the architecture, context,
    output classes, source, licence and citation in its metadata). The weights are read as data: no code of
    theirs runs, and no TensorFlow is needed. SpliceAI: its five models (SpliceAI-10k: 10,000 bases of context)
    become one ensemble whose per-position probabilities of neither, acceptor and donor are their mean, as SpliceAI
    scores; its weights are licensed CC BY-NC 4.0: non-commercial use only. CI-SpliceAI: the five SpliceAI-10k
    networks of its frozen graph, retrained on curated alternative splice sites, become such an ensemble; licensed
    CC BY 4.0 (attribution). A conversion needs no GPU: --device, --seed and --threads are accepted, like every
    genotools tool takes them, and change nothing."""
    with reported_errors("genotools-import-model", debug):
        check_choices([("--source", source, list(SOURCES))])
        model, metadata = SOURCES[source](weights)
        save_model(output, model, metadata)
        say(quiet, f"imported {metadata['hyperparameters']['members']} {metadata['source']['name']} network(s) into "
                   f"{output}; licence of the weights: {metadata['licence']}")


app = single_command_app(import_model, "genotools-import-model --source spliceai --weights "
                         "spliceai-1.3.1-py2.py3-none-any.whl --output spliceai.safetensors")
