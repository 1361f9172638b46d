"""What a person or a client needs to do a task or recognise a ticket, read from the
compiled workflow definition (cached; no query): a task's description, the input it
starts from and the JSON Schema of the output it expects; a ticket's one-line summary.

Required outputs: a field listed in the workflow's root `required` must be given by every
form that offers it: a ticket's submission (its `fields`) and a FORM task's completion
(its `output_fields`). Writes by programs (actions, corrections) are not forced
(docs/decision-runs-self-describing-tasks.md).
"""

from __future__ import annotations

from typing import Any

from kernel.bundle import Definition

SUMMARY_LENGTH = 120
_SUMMARY_VALUES = 3


def _schema(definition: Definition) -> dict[str, Any]:
    return definition.bundle["workflow"].get("fields_schema") or {}


def required_fields(definition: Definition, offered: list[str] | tuple[str, ...]) -> list[str]:
    """The fields among `offered` that a form must give (the root `required`), in order."""
    required = set(_schema(definition).get("required") or ())
    return [name for name in offered if name in required]


def form_schema(definition: Definition, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of a form that writes `names`: their schemas, which are required,
    nothing else allowed (the workflow's `$defs` kept, so references resolve)."""
    schema = _schema(definition)
    properties = schema.get("properties") or {}
    out: dict[str, Any] = {
        "type": "object",
        "properties": {name: properties.get(name, {}) for name in names},
        "required": required_fields(definition, names),
        "additionalProperties": False,
    }
    for key in ("$defs", "definitions"):
        if key in schema:
            out[key] = schema[key]
    return out


def task_card(definition: Definition, title: str) -> dict[str, Any]:
    """A task definition's description, input fields and output schema."""
    task = definition.tasks_by_title.get(title)
    if task is None:
        return {"description": "", "input_fields": (), "output_schema": None}
    return {
        "description": (task.raw or {}).get("description") or "",
        "input_fields": task.input_fields,
        "output_schema": form_schema(definition, task.output_fields),
    }


def ticket_fields(definition: Definition, title: str) -> list[str]:
    """A ticket definition's fields in the order written."""
    for ticket in definition.bundle.get("tickets") or ():
        if ticket.get("title") == title:
            return list(ticket.get("fields") or ())
    return []


def summary(ticket_title: str, offered: list[str] | tuple[str, ...], fields: Any) -> str:
    """A ticket's one line: its type, then the first few submitted values that read as
    text (strings, numbers, booleans), in the order of the ticket's fields."""
    values = []
    if isinstance(fields, dict):
        for name in offered:
            value = fields.get(name)
            if isinstance(value, bool):
                values.append(f"{name}: {'yes' if value else 'no'}")
            elif isinstance(value, int | float):
                values.append(f"{name}: {value}")
            elif isinstance(value, str) and value.strip():
                values.append(" ".join(value.split()))
            if len(values) == _SUMMARY_VALUES:
                break
    line = ticket_title + (": " + " · ".join(values) if values else "")
    return line if len(line) <= SUMMARY_LENGTH else line[: SUMMARY_LENGTH - 1] + "…"
