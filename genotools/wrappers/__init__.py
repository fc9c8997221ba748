"""Galaxy, CWL and Nextflow descriptors rendered from each tool's command line plus a short spec.

`model.describe` turns a Typer command and its spec (tools/specs/<tool>.yml) into a `Tool`; each platform
module renders a list of Tools into files: `galaxy.render`, `cwl.render`, `nextflow.render`, each returning
{path relative to the repository root: text}. `tools/wrappers.py` (`make wrappers`) writes them, and the
tests check the committed files are exactly what the renderers make now.
"""
