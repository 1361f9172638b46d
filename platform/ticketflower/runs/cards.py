"""What a person or a client needs to do a task or recognise a ticket, read from the
compiled workflow definition (cached; no query): a task's description, the input it
starts from and the JSON Schema of the output it expects (kernel/forms.py, which also
says which fields a form must give); a ticket's one-line summary.
"""

from __future__ import annotations

from typing import Any

from kernel.bundle import Definition
from kernel.forms import form_schema

SUMMARY_LENGTH = 120
_SUMMARY_VALUES = 3


def workflow_schema(definition: Definition) -> dict[str, Any]:
    """The workflow's `fields_schema`, as the compiled definition holds it."""
    return definition.bundle["workflow"].get("fields_schema") or {}


def task_card(definition: Definition, title: str) -> dict[str, Any]:
    """A task definition's description, input fields and output schema."""
    task = definition.tasks_by_title.get(title)
    if task is None:
        return {"description": "", "input_fields": (), "output_schema": None}
    return {
        "description": (task.raw or {}).get("description") or "",
        "input_fields": task.input_fields,
        "output_schema": form_schema(workflow_schema(definition), task.output_fields),
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
