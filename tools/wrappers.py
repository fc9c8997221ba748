"""`make wrappers`: render the Galaxy, CWL and Nextflow descriptors of every tool; `--check` reports drift.

    python -m genotools.tools.wrappers [--check]
"""

from pathlib import Path

import typer

from genotools.wrappers import cwl, galaxy, nextflow
from genotools.wrappers.model import describe

from .main import APPS, GROUPS

ROOT = Path(__file__).resolve().parent.parent
SPECS = Path(__file__).resolve().parent / "specs"


def _commands():
    """(name, command line, Typer command, function) of every tool, a tool's subcommands being tools of their own
    on the platforms: `genotools-drug-response train` is drug-response-train."""
    for name, app in APPS.items():
        if name not in GROUPS:
            yield name, f"genotools-{name}", typer.main.get_command(app), app.registered_commands[0].callback
    for name, app in GROUPS.items():
        group = typer.main.get_command(app)
        for info in app.registered_commands:
            yield f"{name}-{info.name}", f"genotools-{name} {info.name}", group.commands[info.name], info.callback


def tools():
    """A Tool for every command, from its spec (tools/specs/<name>.yml)."""
    return [describe(command, function, SPECS / f"{name}.yml", command_line)
            for name, command_line, command, function in _commands()]


def rendered():
    described = tools()
    files = {}
    for platform in (galaxy, cwl, nextflow):
        files.update(platform.render(described))
    return files


def main(check: bool = typer.Option(False, "--check", help="Only report files that differ from what is rendered.")):
    """Write every descriptor under the repository root, or with --check list those that drifted."""
    stale = []
    for relative, text in sorted(rendered().items()):
        path = ROOT / relative
        if path.exists() and path.read_text() == text:
            continue
        stale.append(relative)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for relative in stale:
        typer.echo(("drifted: " if check else "wrote: ") + relative, err=True)
    raise typer.Exit(1 if check and stale else 0)


if __name__ == "__main__":
    typer.run(main)
