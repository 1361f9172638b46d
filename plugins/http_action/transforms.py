"""Input and output transforms of action tasks (docs/semantics.md, task types).

A transform is an object mapping each key to an expression. A null input transform
sends {field: value} of the task's input fields; a null output transform takes the
output fields present in the answer's JSON body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class TransformError(Exception):
    """A transform could not be evaluated."""


def _apply(transform: Mapping[str, Any], context: Any, evaluator: Any) -> dict[str, Any]:
    from kernel.expressions import ExpressionError

    out: dict[str, Any] = {}
    for key, expr in transform.items():
        try:
            out[key] = evaluator.compile(expr)(context)
        except ExpressionError as exc:
            raise TransformError(f"{key}: {exc}") from None
    return out


def input_body(
    transform: Mapping[str, Any] | None,
    data: Mapping[str, Any],
    input_fields: list[str],
    evaluator: Any,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The request body: the transform evaluated on the input data (plus "$" extras)."""
    if transform is None:
        return {f: data[f] for f in input_fields if f in data}
    context = dict(data)
    context["$"] = dict(extra or {})
    return _apply(transform, context, evaluator)


def output_values(
    transform: Mapping[str, Any] | None,
    answer: Mapping[str, Any],
    output_fields: list[str],
    evaluator: Any,
) -> dict[str, Any]:
    """The task's output from the answer context {"status","headers","body","input","data"}."""
    if transform is None:
        body = answer.get("body")
        if not isinstance(body, dict):
            raise TransformError("the answer's body is not a JSON object")
        return {f: body[f] for f in output_fields if f in body}
    return _apply(transform, answer, evaluator)
