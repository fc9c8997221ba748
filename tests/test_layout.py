"""The library's imports run one way: tools -> domains -> shared layer."""

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parent.parent / "genotools"
DOMAINS = ("sequence", "drugs", "function", "association", "qc")


def _imported(path):
    """The genotools modules that the file at `path` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name == "genotools" or name.startswith("genotools.")}


def _home(module):
    """The domain a dotted module name belongs to, or None for the shared layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


@pytest.mark.parametrize("path", sorted(LIBRARY.rglob("*.py")), ids=lambda p: str(p.relative_to(LIBRARY)))
def test_a_library_module_imports_only_its_own_domain_and_the_shared_layer(path):
    own = _home(".".join(("genotools", *path.relative_to(LIBRARY).with_suffix("").parts)))
    foreign = {module for module in _imported(path)
               if module.startswith("genotools.tools") or _home(module) not in (None, own)}
    assert not foreign, f"{path.relative_to(LIBRARY)} imports {', '.join(sorted(foreign))}"
