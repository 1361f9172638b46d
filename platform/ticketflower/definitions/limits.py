"""Size limits and storage checks of definitions (docs/decision-definitions-limits.md).

The kernel decides what a valid bundle is; these checks add what the database and the
server need on top: counts and sizes that keep a request's cost bounded, lengths of the
columns, the integer range, and strings PostgreSQL cannot store (NUL, lone surrogates).
Each returns (pointer, message) problems, never raises.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from ticketflower.api.errors import escape_pointer_token
from ticketflower.definitions.models import FIELD_NAME_LENGTH, TITLE_LENGTH
from ticketflower.postgresql.text import text_problems

_DEFAULTS = {
    "MAX_TASKS": 200,
    "MAX_COMPLETIONS": 100,
    "MAX_TICKETS": 100,
    "MAX_FIELDS_SCHEMA_BYTES": 64 * 1024,
    "MAX_FIELDS_SCHEMA_PROPERTIES": 500,
    "MAX_SCENARIO_BYTES": 64 * 1024,
    "MAX_SCENARIO_STEPS": 200,
}
MAX_INT = 2_147_483_647  # PostgreSQL integer columns

Problems = list[tuple[str, str]]


def limit(name: str) -> int:
    """A limit by name: settings.TICKETFLOWER_DEFINITION_LIMITS overrides the defaults."""
    overrides = getattr(settings, "TICKETFLOWER_DEFINITION_LIMITS", {}) or {}
    return int(overrides.get(name, _DEFAULTS[name]))


def all_limits() -> dict[str, int]:
    """Every limit in force (documented in the API's schema descriptions and docs)."""
    return {name: limit(name) for name in _DEFAULTS}


def json_size(value: Any) -> int:
    """Bytes of a value's compact JSON encoding (a value too deep to encode counts as huge)."""
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (RecursionError, ValueError):
        return 1 << 62
    return len(text.encode("utf-8", "replace"))


def fields_schema_problems(schema: Any, where: str) -> Problems:
    """The size limits of a workflow's fields_schema."""
    problems: Problems = []
    most = limit("MAX_FIELDS_SCHEMA_BYTES")
    if json_size(schema) > most:
        problems.append((where, f"fields_schema is limited to {most} bytes of JSON."))
    properties = schema.get("properties") if isinstance(schema, dict) else None
    most = limit("MAX_FIELDS_SCHEMA_PROPERTIES")
    if isinstance(properties, dict) and len(properties) > most:
        problems.append((where + "/properties", f"fields_schema is limited to {most} properties."))
    if isinstance(properties, dict):
        for name in properties:
            if len(name) > FIELD_NAME_LENGTH:
                at = where + "/properties/" + escape_pointer_token(name)
                problems.append((at, f"Field names are limited to {FIELD_NAME_LENGTH} characters."))
    return problems


def count_problem(section: str, count: int) -> Problems:
    """Whether a workflow may hold `count` items of one section (tasks, completions, tickets)."""
    most = limit("MAX_" + section.upper())
    if count > most:
        return [("/" + section, f"A workflow holds at most {most} {section}.")]
    return []


def _long_text(obj: dict, key: str, length: int, base: str) -> Problems:
    value = obj.get(key)
    if isinstance(value, str) and len(value) > length:
        return [(f"{base}/{key}", f"'{key}' is limited to {length} characters.")]
    return []


def _int_range(obj: dict, key: str, base: str) -> Problems:
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_INT:
        return [(f"{base}/{key}", f"'{key}' must be at most {MAX_INT}.")]
    return []


def _names(obj: dict, key: str, base: str) -> Problems:
    value = obj.get(key)
    if not isinstance(value, list):
        return []
    return [
        (f"{base}/{key}/{i}", f"Names are limited to {FIELD_NAME_LENGTH} characters.")
        for i, name in enumerate(value)
        if isinstance(name, str) and len(name) > FIELD_NAME_LENGTH
    ]


_NAME_LISTS = {
    "tasks": ("input_fields", "output_fields", "roles"),
    "completions": ("fields",),
    "tickets": ("fields", "company_role_access"),
}


def bundle_storage_problems(bundle: Any) -> Problems:
    """What would stop a (possibly invalid) bundle from being stored, beyond the kernel's rules."""
    if not isinstance(bundle, dict):
        return []
    problems = text_problems(bundle)
    workflow = bundle.get("workflow")
    if isinstance(workflow, dict):
        problems += _long_text(workflow, "title", TITLE_LENGTH, "/workflow")
        problems += _int_range(workflow, "max_iterations", "/workflow")
        if workflow.get("fields_schema") is not None:
            problems += fields_schema_problems(workflow["fields_schema"], "/workflow/fields_schema")
    for section, name_lists in _NAME_LISTS.items():
        items = bundle.get(section)
        if not isinstance(items, list):
            continue
        problems += count_problem(section, len(items))
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            at = f"/{section}/{i}"
            problems += _long_text(item, "title", TITLE_LENGTH, at)
            problems += _int_range(item, "timeout_seconds", at)
            problems += _int_range(item, "callback_timeout_seconds", at)
            for key in name_lists:
                problems += _names(item, key, at)
    return problems


def scenario_problems(scenario: Any, where: str = "") -> Problems:
    """The size limits of a simulation scenario (the trace grows with steps × data)."""
    problems: Problems = []
    most = limit("MAX_SCENARIO_BYTES")
    if json_size(scenario) > most:
        problems.append((where, f"A scenario is limited to {most} bytes of JSON."))
    steps = scenario.get("steps") if isinstance(scenario, dict) else None
    most = limit("MAX_SCENARIO_STEPS")
    if isinstance(steps, list) and len(steps) > most:
        problems.append((where + "/steps", f"A scenario is limited to {most} steps."))
    return problems
