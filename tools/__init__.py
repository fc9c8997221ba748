"""Command-line tools of genotools, one Typer app per tool, installed as genotools.tools."""
