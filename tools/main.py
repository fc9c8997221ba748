"""genotools: the umbrella command that lists the tools and runs each as a subcommand."""

import importlib

import typer

from genotools import __version__

from . import TOOLS, module_name
from .common import Version

APPS = {name: importlib.import_module(f".{module_name(name)}", __package__).app for name in TOOLS}
# Tools with subcommands (a group has a callback for its shared options): {name: Typer app}.
GROUPS = {name: tool for name, tool in APPS.items() if tool.registered_callback is not None}

app = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help=f"genotools {__version__}: deep-learning tools for genomics. Each subcommand is also "
                  "installed as genotools-<name>.")
for name, tool in APPS.items():
    if name in GROUPS:
        app.add_typer(tool, name=name)
    else:
        app.command(name, cls=tool.registered_commands[0].cls)(tool.registered_commands[0].callback)


@app.callback()
def umbrella(version: Version = None):
    pass
