"""Every hook is documented (docs/plugins.md) and tested: a test in tests/plugins/ is named
for it (`test_<hook>_...`), so a new hook without its own test fails here."""

import ast
import inspect
from pathlib import Path

import pytest

from plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name
    for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "ticketflower_spec")
)


def test_there_are_hooks():
    assert {"register_evaluators", "register_task_types", "task_started"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    assert f"### {hook}(" in (ROOT / "docs" / "plugins.md").read_text()
    assert inspect.getdoc(getattr(hookspecs, hook)), f"{hook} has no docstring"


def _test_names() -> set[str]:
    names = set()
    for path in (ROOT / "tests" / "plugins").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test_named_for_it(hook):
    named = sorted(n for n in _test_names() if n.startswith(f"test_{hook}_"))
    assert named, f"no test in tests/plugins/ is named test_{hook}_..."
