"""Bundle ↔ models: the mapping between docs/bundle-format.md's format and the definition tables.

Keys follow the seed's column names, so the mapping is one key per column. Export writes
every key (null where nothing is stored); import reads missing keys as null, so export
then import gives back an equal workflow (docs/decision-definitions-round-trip.md).
"""

from __future__ import annotations

from typing import Any

from kernel.validation import (
    COMPLETION_KEYS,
    FORMAT,
    TASK_KEYS,
    TICKET_KEYS,
    WORKFLOW_KEYS,
)
from ticketflower.definitions.models import (
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
)

# The bundle's sections, the model of each and the keys of an entry, in the spec's order.
# One column per key: the kernel's key lists are the one definition of both.
SECTIONS: dict[str, tuple[type, tuple[str, ...]]] = {
    "tasks": (TaskDefinition, TASK_KEYS),
    "completions": (CompletionDefinition, COMPLETION_KEYS),
    "tickets": (TicketDefinition, TICKET_KEYS),
}
WORKFLOW_FIELDS = WORKFLOW_KEYS
# List columns are NOT NULL arrays: a bundle's null (allowed only where optional) is [].
LIST_COLUMNS = {"input_fields", "output_fields", "fields", "company_role_access", "roles"}
DEFAULT_MAX_ITERATIONS = 1000

SECTION_OF_MODEL = {model: section for section, (model, _) in SECTIONS.items()}


def workflow_entry(workflow: WorkflowDefinition) -> dict[str, Any]:
    """The `workflow` object of a bundle."""
    return {key: getattr(workflow, key) for key in WORKFLOW_FIELDS}


def part_entry(part: Any) -> dict[str, Any]:
    """The bundle entry of a task, completion or ticket definition."""
    _, keys = SECTIONS[SECTION_OF_MODEL[type(part)]]
    return {key: getattr(part, key) for key in keys}


def part_entry_from_values(section: str, values: dict[str, Any]) -> dict[str, Any]:
    """The bundle entry of a part that is not stored yet (or being changed)."""
    _, keys = SECTIONS[section]
    return {key: values.get(key) for key in keys}


def parts(workflow: WorkflowDefinition, section: str) -> list[Any]:
    """A workflow's parts of one section in definition order."""
    return list(getattr(workflow, section).order_by("position", "id"))


def to_bundle(workflow: WorkflowDefinition) -> dict[str, Any]:
    """A stored workflow as a bundle (docs/bundle-format.md)."""
    bundle: dict[str, Any] = {"format": FORMAT, "workflow": workflow_entry(workflow)}
    for section in SECTIONS:
        bundle[section] = [part_entry(p) for p in parts(workflow, section)]
    return bundle


def workflow_values(bundle: dict[str, Any]) -> dict[str, Any]:
    """Model field values of the workflow of a valid bundle."""
    entry = bundle["workflow"]
    values = {key: entry.get(key) for key in WORKFLOW_FIELDS}
    if values["max_iterations"] is None:
        values["max_iterations"] = DEFAULT_MAX_ITERATIONS
    return values


def part_values(section: str, entry: dict[str, Any]) -> dict[str, Any]:
    """Model field values of one entry of a valid bundle."""
    _, keys = SECTIONS[section]
    values = {key: entry.get(key) for key in keys}
    for key in LIST_COLUMNS & values.keys():
        if values[key] is None:
            values[key] = []
    return values


def create_parts(workflow: WorkflowDefinition, bundle: dict[str, Any], created_by: Any) -> None:
    """Create the tasks, completions and tickets of a valid bundle, in its order."""
    for section, (model, _) in SECTIONS.items():
        model.objects.bulk_create(
            model(workflow=workflow, position=i, created_by=created_by, **part_values(section, e))
            for i, e in enumerate(bundle.get(section) or [])
        )
