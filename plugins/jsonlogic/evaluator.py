"""The JsonLogic evaluator the kernel uses (implements kernel.expressions.Evaluator).

Why a class of its own: it is the one object the plugin registers; everything it does is
delegated to a module named for it (guards: static checks; compiler: parse once;
operations: panzi's operators, corrected; fields: static reads).
"""

from __future__ import annotations

import math
from typing import Any

from json_logic.builtins import to_bool

from kernel.expressions import Compiled, ExpressionError
from plugins.jsonlogic import fields, guards
from plugins.jsonlogic.compiler import MAX_STEPS, compile_node

_FINITE_TYPES = (str, bool, int, type(None))


# A result may nest deeper than its rule and data only through reduce, e.g.
# {"reduce": [xs, [{"var": "accumulator"}], []]}; json.dumps fails near 1,000 levels.
MAX_RESULT_DEPTH = 500


def _check_result(value: Any) -> None:
    """A result must be JSON: no NaN or Infinity (json-logic-js would return them; our
    results are written to JSON workspaces) and not nested beyond MAX_RESULT_DEPTH."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                raise ExpressionError(f"result is not a finite number ({item})")
        elif kind is list or kind is dict:
            if depth > MAX_RESULT_DEPTH:
                raise ExpressionError(f"result nests deeper than {MAX_RESULT_DEPTH} levels")
            values = item if kind is list else item.values()
            stack.extend((child, depth + 1) for child in values)


class JsonLogicEvaluator:
    """JsonLogic (json-logic-js semantics) on panzi-json-logic, checked and bounded."""

    name = "jsonlogic"

    def check(self, expr: Any) -> list[tuple[str, str]]:
        return guards.check(expr)

    def compile(self, expr: Any) -> Compiled:
        """Raises ExpressionError when `expr` does not pass check()."""
        problems = guards.check(expr)
        if problems:
            pointer, message = problems[0]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise ExpressionError(f"{pointer or '/'}: {message}{more}")
        try:
            node = compile_node(expr)
        except ExpressionError:
            raise
        except Exception as exc:  # pragma: no cover - check() should have caught it
            raise ExpressionError(f"expression cannot be compiled: {exc}") from exc

        def evaluate(context: Any) -> Any:
            try:
                result = node(context, [MAX_STEPS])
            except ExpressionError:
                raise
            except RecursionError as exc:
                raise ExpressionError("data nests too deeply to evaluate") from exc
            except Exception as exc:
                raise ExpressionError(_describe(exc)) from exc
            kind = type(result)
            if kind in _FINITE_TYPES:
                return result
            _check_result(result)
            return result

        return evaluate

    def truthy(self, value: Any) -> bool:
        """JsonLogic truthiness: [] "" 0 null false NaN are false; "0" and {} are true."""
        return to_bool(value)

    def fields_read(self, expr: Any) -> set[str] | None:
        return fields.fields_read(expr)


def _describe(exc: Exception) -> str:
    text = str(exc)
    name = type(exc).__name__
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):
        return "number too large"
    if isinstance(exc, MemoryError):
        return "out of memory"
    return f"{name}: {text}"[:300] if text else f"{name} while evaluating"
