"""What a person's form writes: the JSON Schema of a form over some workspace fields, and
the fields it must give.

A field listed in `fields_schema`'s root `required` must be given by every form that
offers it: a ticket's submission (its `fields`) and a FORM task's completion (its
`output_fields`). Writes by programs are not forced
(docs/decision-runs-self-describing-tasks.md). Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kernel.problems import Problem, pointer


def required_fields(fields_schema: Mapping[str, Any], offered: Sequence[str]) -> list[str]:
    """The fields among `offered` that a form must give (the root `required`), in order."""
    required = set(fields_schema.get("required") or ())
    return [name for name in offered if name in required]


def form_schema(fields_schema: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The JSON Schema of a form that writes `names`: their schemas in that order, which
    are required, nothing else allowed (`$defs` kept, so references resolve)."""
    properties = fields_schema.get("properties") or {}
    out: dict[str, Any] = {
        "type": "object",
        "properties": {name: properties[name] for name in names if name in properties},
        "required": required_fields(fields_schema, names),
        "additionalProperties": False,
    }
    for key in ("$defs", "definitions"):
        if key in fields_schema:
            out[key] = fields_schema[key]
    return out


def missing_required(
    fields_schema: Mapping[str, Any], offered: Sequence[str], given: Any, base: str, what: str
) -> list[Problem]:
    """A problem at `base/NAME` for each required field of the form that `given` lacks."""
    if not isinstance(given, Mapping):
        return []  # the write's own check says it is not an object
    return [
        Problem(base + pointer(name), f"Required: the {what}'s form must give it.")
        for name in required_fields(fields_schema, offered)
        if name not in given
    ]
