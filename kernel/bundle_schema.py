"""The bundle format as a JSON Schema, built from the validator's own key lists, so that
the two cannot drift (a property test compares them): for editors and assistants.

It says the structure — which keys, which types, what is required. What a schema cannot
say stays the validator's: that field names are properties of `fields_schema`, that
titles are unique, that expressions and transforms are valid JsonLogic, the plugins'
own checks (docs/bundle-format.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kernel.validation import (
    ACTION_TYPES,
    COMPLETION_KEYS,
    COMPLETION_STATUSES,
    FORMAT,
    MAX_DEADLINE,
    MIN_DEADLINE,
    TASK_KEYS,
    TICKET_KEYS,
    TOP_KEYS,
    WORKFLOW_KEYS,
)

SCHEMA_ID = "https://ticketflower.dev/schemas/bundle-v1.json"

_TEXT = {"type": ["string", "null"]}
_NAMES = {"type": "array", "items": {"type": "string"}}
_POSITIVE = {"type": "integer", "minimum": 1}
_EXPRESSION = {"description": "A JsonLogic expression (docs/jsonlogic.md)."}
_TRANSFORM = {
    "type": ["object", "null"],
    "additionalProperties": _EXPRESSION,
    "description": "Each key mapped to a JsonLogic expression.",
}
_EXT_REF = {
    "type": ["array", "null"],
    "items": {
        "type": "object",
        "required": ["label", "uri"],
        "properties": {
            "label": {"type": "string", "minLength": 1},
            "desc": {"type": ["string", "null"]},
            "uri": {"type": "string", "minLength": 1},
        },
        "additionalProperties": False,
    },
}


def bundle_json_schema(task_types: Iterable[str]) -> dict[str, Any]:
    """The JSON Schema of a bundle whose tasks may be of `task_types`."""
    types = sorted(task_types)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "TicketFlower workflow bundle",
        "description": "A workflow with its tasks, completions and ticket types "
        "(docs/bundle-format.md).",
        "type": "object",
        "required": ["format", "workflow"],
        "properties": _only(
            TOP_KEYS,
            {
                "$schema": {"type": "string", "description": "This schema's URL or path."},
                "format": {"const": FORMAT},
                "workflow": {"$ref": "#/$defs/workflow"},
                "tasks": {"type": "array", "items": {"$ref": "#/$defs/task"}},
                "completions": {"type": "array", "items": {"$ref": "#/$defs/completion"}},
                "tickets": {"type": "array", "items": {"$ref": "#/$defs/ticket"}},
            },
        ),
        "additionalProperties": False,
        "$defs": {
            "workflow": _part(
                WORKFLOW_KEYS,
                ["title", "fields_schema"],
                {
                    "fields_schema": {
                        "type": "object",
                        "description": "A JSON Schema of type object: its properties are the "
                        "workflow's fields.",
                    },
                    "max_iterations": {**_POSITIVE, "type": ["integer", "null"]},
                },
            ),
            "task": _part(
                TASK_KEYS,
                ["title", "task_type", "input_fields", "output_fields"],
                {
                    "task_type": {"enum": types},
                    "input_fields": _NAMES,
                    "output_fields": _NAMES,
                    "condition": _EXPRESSION,
                    "action_url": {"type": ["string", "null"], "pattern": "^https?://"},
                    "input_transform": _TRANSFORM,
                    "output_transform": _TRANSFORM,
                    "timeout_seconds": {**_POSITIVE, "type": ["integer", "null"]},
                    "callback_timeout_seconds": {**_POSITIVE, "type": ["integer", "null"]},
                    "deadline_seconds": {
                        "type": ["integer", "null"],
                        "minimum": MIN_DEADLINE,
                        "maximum": MAX_DEADLINE,
                    },
                    "roles": {**_NAMES, "type": ["array", "null"]},
                },
                # An action calls its URL.
                allOf=[
                    {
                        "if": {
                            "properties": {"task_type": {"enum": list(ACTION_TYPES)}},
                            "required": ["task_type"],
                        },
                        "then": {
                            "required": ["action_url"],
                            "properties": {"action_url": {"type": "string"}},
                        },
                    }
                ],
            ),
            "completion": _part(
                COMPLETION_KEYS,
                ["title", "completion_status", "fields"],
                {
                    "completion_status": {"enum": list(COMPLETION_STATUSES)},
                    "fields": {**_NAMES, "minItems": 1},
                    "condition": _EXPRESSION,
                },
            ),
            "ticket": _part(
                TICKET_KEYS,
                ["title", "fields"],
                {"fields": _NAMES, "company_role_access": {**_NAMES, "type": ["array", "null"]}},
            ),
        },
    }


def _part(
    keys: tuple[str, ...], required: list[str], special: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    common = {
        "title": {"type": "string", "minLength": 1},
        "description": _TEXT,
        "ext_ref": _EXT_REF,
        "edit_layout": _TEXT,
        "display_layout": _TEXT,
    }
    return {
        "type": "object",
        "required": required,
        "properties": _only(keys, {**common, **special}),
        "additionalProperties": False,
        **extra,
    }


def _only(keys: tuple[str, ...], properties: dict[str, Any]) -> dict[str, Any]:
    """Every key the validator knows, each with its schema (or any value)."""
    return {key: properties.get(key, {}) for key in keys}
