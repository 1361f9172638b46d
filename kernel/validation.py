"""Validation of a bundle (docs/bundle-format.md): every problem at once, each at a JSON pointer.

Never raises on any JSON input: a pathological expression or schema is a problem too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from referencing import Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from kernel.expressions import Evaluator
from kernel.messages import schema_error_message
from kernel.patterns import pattern_problem
from kernel.problems import Problem, pointer
from kernel.schema_bounds import expansion_problems
from kernel.workspace import LOCAL_ONLY

FORMAT = "ticketflower.bundle/v1"
# Built-in task types and the status their instances start in. Plugins may add types:
# callers pass the full mapping (plugins.bundles does), the kernel only reads it.
BUILTIN_TASK_TYPES = MappingProxyType(
    {"FORM": "OPEN", "SYNC_ACTION": "PENDING", "ASYNC_ACTION": "PENDING"}
)
TASK_TYPES = tuple(BUILTIN_TASK_TYPES)
ACTION_TYPES = ("SYNC_ACTION", "ASYNC_ACTION")
COMPLETION_STATUSES = ("COMPLETED", "CANCELLED")

# Beyond these an expression is pathological: refused before any evaluator recurses into it.
MAX_EXPRESSION_DEPTH = 200
MAX_EXPRESSION_NODES = 200_000

# The bundle's keys, in the order docs/bundle-format.md gives them: the one definition
# (the platform's storage mapping, definitions/bundles.py, is built from these).
# `$schema` names this format's JSON Schema, for editors (kernel/bundle_schema.py).
TOP_KEYS = ("$schema", "format", "workflow", "tasks", "completions", "tickets")
WORKFLOW_KEYS = (
    "title", "description", "ext_ref", "fields_schema", "max_iterations", "display_layout",
)  # fmt: skip
# How long a person's task may take (`deadline_seconds`): a minute to a year.
MIN_DEADLINE = 60
MAX_DEADLINE = 365 * 24 * 3600
TASK_KEYS = (
    "title", "description", "ext_ref", "task_type", "input_fields", "output_fields",
    "condition", "edit_layout", "display_layout", "action_url", "input_transform",
    "output_transform", "timeout_seconds", "callback_timeout_seconds", "roles",
    "deadline_seconds",
)  # fmt: skip
COMPLETION_KEYS = (
    "title", "description", "ext_ref", "completion_status", "fields", "condition",
    "display_layout",
)  # fmt: skip
TICKET_KEYS = (
    "title", "description", "ext_ref", "fields", "company_role_access", "edit_layout",
    "display_layout",
)  # fmt: skip
EXT_REF_KEYS = ("label", "desc", "uri")


def validate(
    bundle: Any, evaluator: Evaluator, task_types: Mapping[str, str] = BUILTIN_TASK_TYPES
) -> list[Problem]:
    """Every problem of a bundle, in document order; [] when it is valid.

    `task_types` maps each known task type to its instances' initial status.
    """
    return list(_bundle(bundle, evaluator, task_types))


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _unknown_keys(obj: dict, known: tuple[str, ...], base: str) -> Iterator[Problem]:
    for key in obj:
        if key not in known:
            yield Problem(base + pointer(key), f"unknown key '{key}'")


def _object(value: Any, where: str, what: str) -> Iterator[Problem]:
    if not isinstance(value, dict):
        yield Problem(where, f"{what} must be an object, got {_type_name(value)}")


def _optional_string(obj: dict, key: str, base: str) -> Iterator[Problem]:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        yield Problem(base + pointer(key), f"'{key}' must be a string or null")


def _title(obj: dict, base: str, seen: dict[str, int], what: str) -> Iterator[Problem]:
    title = obj.get("title")
    if "title" not in obj or title is None:
        yield Problem(base + "/title", f"{what} 'title' is required")
    elif not isinstance(title, str) or not title.strip():
        yield Problem(base + "/title", f"{what} 'title' must be a non-empty string")
    elif title in seen:
        yield Problem(base + "/title", f"duplicate {what} title '{title}'")
    else:
        seen[title] = 1


def _positive_int(obj: dict, key: str, base: str) -> Iterator[Problem]:
    value = obj.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        yield Problem(base + pointer(key), f"'{key}' must be an integer ≥ 1")
    elif value < 1:
        yield Problem(base + pointer(key), f"'{key}' must be ≥ 1, got {value}")


def _ext_ref(obj: dict, base: str) -> Iterator[Problem]:
    refs = obj.get("ext_ref")
    if refs is None:
        return
    where = base + "/ext_ref"
    if not isinstance(refs, list):
        yield Problem(where, "'ext_ref' must be an array of {label, desc, uri}")
        return
    for i, ref in enumerate(refs):
        at = f"{where}/{i}"
        if not isinstance(ref, dict):
            yield Problem(at, "an ext_ref entry must be an object {label, desc, uri}")
            continue
        yield from _unknown_keys(ref, EXT_REF_KEYS, at)
        for key in ("label", "uri"):
            if not isinstance(ref.get(key), str) or not ref[key]:
                yield Problem(at + "/" + key, f"'{key}' is required and must be a string")
        yield from _optional_string(ref, "desc", at)


def _field_list(
    obj: dict, key: str, base: str, fields: set[str] | None, required: bool, non_empty: bool
) -> Iterator[Problem]:
    where = base + pointer(key)
    value = obj.get(key)
    if value is None:
        if required:
            yield Problem(where, f"'{key}' is required (an array of field names)")
        return
    if not isinstance(value, list):
        yield Problem(where, f"'{key}' must be an array of field names, got {_type_name(value)}")
        return
    if non_empty and not value:
        yield Problem(where, f"'{key}' must not be empty")
    seen = set()
    for i, name in enumerate(value):
        at = f"{where}/{i}"
        if not isinstance(name, str):
            yield Problem(at, f"a field name must be a string, got {_type_name(name)}")
        elif name == "$":
            yield Problem(at, "'$' is not a legal field name (it is reserved for the context)")
        elif name in seen:
            yield Problem(at, f"field '{name}' is listed twice")
        elif fields is not None and name not in fields:
            yield Problem(at, f"'{name}' is not a property of workflow.fields_schema")
        else:
            seen.add(name)


def expression_size_problem(expr: Any) -> str | None:
    """Why an expression is too deep or too large to accept, or None; iterative, never recurses."""
    stack = [(expr, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_EXPRESSION_DEPTH:
            return f"expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep"
        if nodes > MAX_EXPRESSION_NODES:
            return f"expression has more than {MAX_EXPRESSION_NODES} nodes"
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return None


def check_expression(expr: Any, where: str, evaluator: Evaluator) -> list[Problem]:
    """Problems of one expression, pointers prefixed by `where`; never raises."""
    too_big = expression_size_problem(expr)
    if too_big:
        return [Problem(where, too_big)]
    try:
        found = evaluator.check(expr)
    except RecursionError:
        return [Problem(where, "expression is nested too deeply")]
    except Exception as exc:  # an evaluator bug must not crash validation
        return [Problem(where, f"expression could not be checked: {exc}")]
    return [Problem(where + (rel if not rel or rel.startswith("/") else "/" + rel), msg)
            for rel, msg in found]  # fmt: skip


def _transform(obj: dict, key: str, base: str, evaluator: Evaluator) -> Iterator[Problem]:
    value = obj.get(key)
    if value is None:
        return
    where = base + pointer(key)
    if not isinstance(value, dict):
        yield Problem(where, f"'{key}' must be an object mapping each key to an expression")
        return
    for name, expr in value.items():
        yield from check_expression(expr, where + pointer(name), evaluator)


def _fields_schema(workflow: dict) -> tuple[list[Problem], set[str] | None]:
    """Problems of fields_schema and its property names (None when they cannot be known)."""
    where = "/workflow/fields_schema"
    schema = workflow.get("fields_schema")
    if schema is None:
        return [Problem(where, "'fields_schema' is required (a JSON Schema of type object)")], None
    if not isinstance(schema, dict):
        message = f"'fields_schema' must be an object, got {_type_name(schema)}"
        return [Problem(where, message)], None
    problems: list[Problem] = []
    if expression_size_problem(schema):
        return [Problem(where, "fields_schema is nested too deeply or too large")], None
    try:
        cls = validator_for(schema)
        # The format checker checks what the meta-schema marks as regular expressions
        # (`pattern`, the keys of `patternProperties`).
        meta = cls(cls.META_SCHEMA, format_checker=cls.FORMAT_CHECKER)
        for error in sorted(meta.iter_errors(schema), key=lambda e: list(map(str, e.path))):
            at = where + pointer(*error.path)
            problems.append(Problem(at, f"not a valid JSON Schema: {schema_error_message(error)}"))
    except (SchemaError, RecursionError) as exc:
        problems.append(Problem(where, f"not a valid JSON Schema: {exc}"))
    reported = {p.pointer for p in problems}  # a pattern that is not even a regex, say
    problems += [p for p in _schema_keyword_problems(schema, where) if p.pointer not in reported]
    if not problems:
        problems += _expansion_problems(schema, where)
    if schema.get("type") != "object":
        problems.append(Problem(where + "/type", 'fields_schema must have "type": "object"'))
    props = schema.get("properties")
    if not isinstance(props, dict):
        problems.append(Problem(where + "/properties", "fields_schema must have 'properties'"))
        return problems, None
    for name in props:
        if name == "$":
            problems.append(
                Problem(where + "/properties/$", "'$' is not a legal field name (reserved)")
            )
    return problems, {name for name in props if name != "$"}


# Keywords whose values are data, not schemas: a "$ref" inside them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
# Keywords whose values map names (or patterns) to subschemas: their keys are not keywords.
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
# Where a subschema would change how it is resolved or which engine runs it (jsonschema
# picks its validator class again at a `$schema`): at the root only.
_ROOT_ONLY = ("$schema", "$id")


def _expansion_problems(schema: dict, where: str) -> list[Problem]:
    """A schema too large once its references are followed (kernel/schema_bounds.py)."""
    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    resolver = LOCAL_ONLY.with_resource("", resource).resolver(base_uri="")
    return expansion_problems(schema, lambda ref: resolver.lookup(ref).contents, where)


def _schema_keyword_problems(schema: dict, where: str) -> list[Problem]:
    """Every `$ref` / `$dynamicRef` must resolve within fields_schema (nothing is fetched),
    every pattern must be one RE2 runs (kernel/patterns.py), `$schema` and `$id` stand at
    the root only."""
    try:
        resource = Resource.from_contents(schema, default_specification=DRAFT202012)
        resolver = LOCAL_ONLY.with_resource("", resource).resolver(base_uri="")
    except Exception:  # noqa: BLE001 - an unusable $schema or $id; the meta-schema says why
        return []
    problems: list[Problem] = []
    unevaluated: list[tuple] = []
    has_pattern_properties = False
    # (node, its path, whether its keys are names of subschemas rather than keywords)
    todo: list[tuple[Any, tuple, bool]] = [(schema, (), False)]
    while todo:
        node, path, names = todo.pop()
        if isinstance(node, list):
            todo.extend((item, (*path, i), False) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if names:
            todo.extend((value, (*path, key), False) for key, value in node.items())
            continue
        for key, value in node.items():
            at = (*path, key)
            if key in _ROOT_ONLY and path:
                message = f"'{key}' may only stand at the root of fields_schema"
                problems.append(Problem(where + pointer(*at), message))
            elif key in ("$ref", "$dynamicRef") and isinstance(value, str):
                try:
                    resolver.lookup(value)
                except Unresolvable:
                    message = f"{key} {value!r} does not resolve within fields_schema"
                    problems.append(Problem(where + pointer(*at), message))
            elif key == "pattern" and isinstance(value, str):
                if found := pattern_problem(value):
                    problems.append(Problem(where + pointer(*at), found))
            elif key == "unevaluatedProperties":
                unevaluated.append(at)
            elif key == "patternProperties" and isinstance(value, dict):
                has_pattern_properties = True
                for name in value:
                    found = pattern_problem(name) if isinstance(name, str) else None
                    if found:
                        problems.append(Problem(where + pointer(*at, name), found))
            if key not in _DATA_KEYWORDS:
                todo.append((value, at, key in _SCHEMA_MAPS))
    if has_pattern_properties:
        # jsonschema applies patternProperties with Python's re inside unevaluatedProperties.
        message = "unevaluatedProperties cannot be used where fields_schema has patternProperties"
        problems += [Problem(where + pointer(*at), message) for at in unevaluated]
    problems.sort(key=lambda p: p.pointer)
    return problems


def _bundle(bundle: Any, evaluator: Evaluator, task_types: Mapping[str, str]) -> Iterator[Problem]:
    if not isinstance(bundle, dict):
        yield Problem("", f"a bundle must be a JSON object, got {_type_name(bundle)}")
        return
    yield from _unknown_keys(bundle, TOP_KEYS, "")
    if bundle.get("format") != FORMAT:
        yield Problem("/format", f"'format' must be exactly \"{FORMAT}\"")
    workflow = bundle.get("workflow")
    fields: set[str] | None = None
    if workflow is None:
        yield Problem("/workflow", "'workflow' is required")
    elif not isinstance(workflow, dict):
        yield from _object(workflow, "/workflow", "'workflow'")
    else:
        yield from _unknown_keys(workflow, WORKFLOW_KEYS, "/workflow")
        yield from _title(workflow, "/workflow", {}, "workflow")
        yield from _optional_string(workflow, "description", "/workflow")
        yield from _optional_string(workflow, "display_layout", "/workflow")
        yield from _ext_ref(workflow, "/workflow")
        yield from _positive_int(workflow, "max_iterations", "/workflow")
        schema_problems, fields = _fields_schema(workflow)
        yield from schema_problems
    yield from _section(
        bundle, "tasks", lambda t, at, seen: _task(t, at, seen, fields, evaluator, task_types)
    )
    yield from _section(
        bundle, "completions", lambda c, at, seen: _completion(c, at, seen, fields, evaluator)
    )
    yield from _section(bundle, "tickets", lambda t, at, seen: _ticket(t, at, seen, fields))


def _section(bundle: dict, key: str, check) -> Iterator[Problem]:
    items = bundle.get(key)
    if items is None:
        return
    if not isinstance(items, list):
        yield Problem("/" + key, f"'{key}' must be an array")
        return
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        at = f"/{key}/{i}"
        if not isinstance(item, dict):
            yield Problem(at, f"each of '{key}' must be an object, got {_type_name(item)}")
            continue
        yield from check(item, at, seen)


def _task(
    task: dict,
    at: str,
    seen: dict,
    fields: set[str] | None,
    evaluator: Evaluator,
    task_types: Mapping[str, str],
) -> Iterator[Problem]:
    yield from _unknown_keys(task, TASK_KEYS, at)
    yield from _title(task, at, seen, "task")
    task_type = task.get("task_type")
    if not isinstance(task_type, str) or task_type not in task_types:
        yield Problem(at + "/task_type", f"'task_type' must be one of {', '.join(task_types)}")
    for key in ("description", "edit_layout", "display_layout"):
        yield from _optional_string(task, key, at)
    yield from _ext_ref(task, at)
    yield from _field_list(task, "input_fields", at, fields, required=True, non_empty=False)
    yield from _field_list(task, "output_fields", at, fields, required=True, non_empty=False)
    if task.get("condition") is not None:
        yield from check_expression(task["condition"], at + "/condition", evaluator)
    url = task.get("action_url")
    if task_type in ACTION_TYPES and url is None:
        yield Problem(at + "/action_url", f"'action_url' is required for a {task_type} task")
    if url is not None:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            yield Problem(at + "/action_url", "'action_url' must be an http or https URL")
    yield from _positive_int(task, "timeout_seconds", at)
    yield from _positive_int(task, "callback_timeout_seconds", at)
    if task.get("callback_timeout_seconds") is not None and task_type != "ASYNC_ACTION":
        yield Problem(
            at + "/callback_timeout_seconds",
            "'callback_timeout_seconds' applies to ASYNC_ACTION tasks only (how long their "
            "callback is waited for)",
        )
    yield from _positive_int(task, "deadline_seconds", at)
    deadline = task.get("deadline_seconds")
    if isinstance(deadline, int) and not isinstance(deadline, bool) and deadline > 0:
        if task_type in ACTION_TYPES:
            yield Problem(
                at + "/deadline_seconds",
                "'deadline_seconds' applies to tasks done by people (an action has "
                "'timeout_seconds' and 'callback_timeout_seconds')",
            )
        elif not MIN_DEADLINE <= deadline <= MAX_DEADLINE:
            yield Problem(
                at + "/deadline_seconds",
                f"'deadline_seconds' must be between {MIN_DEADLINE} (a minute) and "
                f"{MAX_DEADLINE} (365 days)",
            )
    yield from _roles(task, "roles", at)
    if task.get("roles") and task_type in ACTION_TYPES:
        yield Problem(at + "/roles", "'roles' applies to tasks done by people, not to actions")
    yield from _transform(task, "input_transform", at, evaluator)
    yield from _transform(task, "output_transform", at, evaluator)
    outputs = task.get("output_fields")
    transform = task.get("output_transform")
    if isinstance(transform, dict) and isinstance(outputs, list):
        for key in transform:
            if key not in outputs:
                yield Problem(
                    at + "/output_transform" + pointer(key),
                    f"'{key}' is not an output field of this task",
                )


def _completion(
    completion: dict, at: str, seen: dict, fields: set[str] | None, evaluator: Evaluator
) -> Iterator[Problem]:
    yield from _unknown_keys(completion, COMPLETION_KEYS, at)
    yield from _title(completion, at, seen, "completion")
    if completion.get("completion_status") not in COMPLETION_STATUSES:
        message = "'completion_status' must be COMPLETED or CANCELLED"
        yield Problem(at + "/completion_status", message)
    for key in ("description", "display_layout"):
        yield from _optional_string(completion, key, at)
    yield from _ext_ref(completion, at)
    yield from _field_list(completion, "fields", at, fields, required=True, non_empty=True)
    if completion.get("condition") is not None:
        yield from check_expression(completion["condition"], at + "/condition", evaluator)


def _ticket(ticket: dict, at: str, seen: dict, fields: set[str] | None) -> Iterator[Problem]:
    yield from _unknown_keys(ticket, TICKET_KEYS, at)
    yield from _title(ticket, at, seen, "ticket")
    for key in ("description", "edit_layout", "display_layout"):
        yield from _optional_string(ticket, key, at)
    yield from _ext_ref(ticket, at)
    yield from _field_list(ticket, "fields", at, fields, required=True, non_empty=False)
    yield from _roles(ticket, "company_role_access", at)


def _roles(obj: dict, key: str, base: str) -> Iterator[Problem]:
    """An optional array of role names (which roles a company has is the platform's to
    check: a bundle travels between companies)."""
    roles = obj.get(key)
    if roles is not None and (
        not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)
    ):
        yield Problem(base + "/" + key, f"'{key}' must be an array of strings")
