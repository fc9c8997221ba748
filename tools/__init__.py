"""Command-line tools of genotools, one Typer app per tool, installed as genotools.tools.

TOOLS is the one list of them: tool NAME is the `app` of module tools/NAME.py (with _ for -), installed as the
command genotools-NAME and as the subcommand NAME of the umbrella command genotools (tools/main.py). This module
imports nothing, so that setup.py can read the list before anything is installed.
"""

TOOLS = ("encode", "train", "predict", "score-variants", "interpret", "simulate", "drug-response", "gene-function",
         "qc", "associate", "import-model", "score-splicing", "protein-impact")


def module_name(tool):
    return tool.replace("-", "_")
