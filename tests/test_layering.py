"""Dependencies point one way (docs/decision-layering.md): the kernel uses nothing of
ours, plugins use the kernel, the shared-schema app `tenants` uses nothing of the
platform, and the platform (`ticketflower`) may use them all. An import against the
layering, even one inside a function, fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"kernel", "plugins", "tenants", "ticketflower", "tests", "bench"}
LAYERS = {
    # package: (where its files are, which of our packages it may import)
    "kernel": (ROOT / "kernel", {"kernel"}),
    "plugins": (ROOT / "plugins", {"plugins", "kernel"}),
    "tenants": (ROOT / "tenants", {"tenants"}),
    "ticketflower": (
        ROOT / "platform" / "ticketflower",
        {"ticketflower", "tenants", "plugins", "kernel"},
    ),
}


def _imports(path: Path) -> set[str]:
    """The top-level packages a module imports, wherever in the module the import is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", list(LAYERS))
def test_a_package_imports_only_the_layers_below_it(package):
    folder, allowed = LAYERS[package]
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in folder.rglob("*.py")
        for name in _imports(path) & OURS - allowed
    }
    assert wrong == set()


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ticketflower.runs import services\n")
    assert _imports(module) == {"ticketflower"}
