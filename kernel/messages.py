"""jsonschema's messages in JSON's words.

jsonschema writes the values it quotes as Python sees them (`None is not of type
'integer'`, `{'a': True}`); a client wrote JSON and should read JSON back (`null is not of
type "integer"`, `{"a": true}`). The wording is jsonschema's otherwise.
"""

from __future__ import annotations

import json
from typing import Any


def as_json(value: Any) -> str:
    """A value as JSON text (its Python repr when it is not JSON)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        return repr(value)


def _quoted(error: Any) -> list[Any]:
    """The values a message may quote: the instance, the keyword's value and its items,
    and the names of unexpected properties."""
    values = [error.instance, error.validator_value]
    if isinstance(error.validator_value, list | tuple):
        values.extend(error.validator_value)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        values.extend(error.instance)
    if error.validator == "required" and isinstance(error.validator_value, list):
        values.extend(error.validator_value)
    return values


def schema_error_message(error: Any) -> str:
    """A jsonschema ValidationError's message with every quoted value written as JSON."""
    message = error.message
    # Longest reprs first, so a value is replaced before any value quoted inside it.
    seen = set()
    for value in sorted(_quoted(error), key=lambda v: -len(repr(v))):
        python = repr(value)
        if python in seen:
            continue
        seen.add(python)
        written = as_json(value)
        if python != written:
            message = message.replace(python, written)
    return message
