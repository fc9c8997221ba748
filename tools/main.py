"""genotools: the umbrella command that lists the tools and runs each as a subcommand."""

import typer

from genotools import __version__

from . import associate, drug_response, encode, gene_function, interpret, predict, qc, score_variants, simulate, train
from .common import Version

TOOLS = {
    "encode": encode.encode,
    "train": train.train,
    "predict": predict.predict_command,
    "score-variants": score_variants.score_variants,
    "interpret": interpret.interpret,
    "simulate": simulate.simulate_command,
    "qc": qc.qc,
}
# Tools with subcommands: {name: Typer app}.
GROUPS = {"drug-response": drug_response.app, "gene-function": gene_function.app, "associate": associate.app}

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help=f"genotools {__version__}: deep-learning tools for genomics. Each subcommand is also "
                  "installed as genotools-<name>.")
for name, command in TOOLS.items():
    app.command(name)(command)
for name, group in GROUPS.items():
    app.add_typer(group, name=name)


@app.callback()
def umbrella(version: Version = None):
    pass
