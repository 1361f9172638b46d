"""Every hook is documented (docs/plugins.md) and tested (some test in tests/plugins names it)."""

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


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    tests = [
        p
        for p in (ROOT / "tests").rglob("test_*.py")
        if p.name != "test_hook_discipline.py" and hook in p.read_text()
    ]
    assert tests, f"no test mentions the hook {hook}"
