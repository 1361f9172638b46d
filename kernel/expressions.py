"""The seam between the kernel and whatever evaluates conditions and transforms.

The kernel never imports an evaluator: callers (the CLI, the platform) pass one in.
JsonLogic is the default, provided by the built-in plugin `plugins.jsonlogic`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class ExpressionError(Exception):
    """An expression failed at run time (a type error, say); never a crash of the step."""


# A compiled expression: takes the evaluation context, returns the value.
Compiled = Callable[[Any], Any]


class Evaluator(Protocol):
    """What the kernel needs from an expression language."""

    name: str

    def check(self, expr: Any) -> list[tuple[str, str]]:
        """Problems of an expression as (JSON pointer relative to `expr`, message); [] when valid.

        Unknown operators, malformed arguments and pathological size or depth are problems.
        Never raises, whatever `expr` is.
        """
        ...

    def compile(self, expr: Any) -> Compiled:
        """Parse a checked expression once; the result evaluates it against a context.

        The compiled callable raises ExpressionError (and nothing else) when evaluation fails.
        """
        ...

    def truthy(self, value: Any) -> bool:
        """Whether a condition's result counts as true in this language."""
        ...

    def fields_read(self, expr: Any) -> set[str] | None:
        """Top-level context keys the expression reads, or None when that cannot be known."""
        ...
