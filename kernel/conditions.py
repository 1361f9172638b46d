"""Conditions (docs/semantics.md, Triggers rule 4): null holds, else truthy by the evaluator.

A condition sees the workspace at iteration j plus the reserved key "$":
{"iteration": j, "written": [sorted W], "ticket": {"id", "definition", "created_by"}}.
"""

from __future__ import annotations

from typing import Any

from kernel.expressions import Compiled, Evaluator


class Context:
    """The evaluation context of one iteration, built only if some condition needs it."""

    __slots__ = ("_data", "_meta", "_built")

    def __init__(self, data: dict[str, Any], iteration: int, written: list[str], ticket: Any):
        self._data = data
        self._meta = {"iteration": iteration, "written": written, "ticket": ticket}
        self._built: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        """The workspace plus "$" (one shallow copy per iteration, shared by every candidate)."""
        if self._built is None:
            self._built = dict(self._data)
            self._built["$"] = self._meta
        return self._built


def evaluate(check: Compiled | None, context: Context, evaluator: Evaluator) -> tuple[bool, str]:
    """(holds, error message); a failing condition does not hold and explains why."""
    if check is None:
        return True, ""
    try:
        return bool(evaluator.truthy(check(context.get()))), ""
    except RecursionError:
        return False, "condition is nested too deeply to evaluate"
    except Exception as exc:  # ExpressionError by contract; anything else is no crash either
        return False, str(exc) or type(exc).__name__
