"""The workspace: its fields, the validity of written values, and merging writes.

A written value must be valid against its property's schema resolved within the whole
`fields_schema` (so `$ref`/`$defs` work); the root's `required` does not apply to a write.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import re2
from jsonschema.validators import extend, validator_for
from referencing import Registry
from referencing.exceptions import Unresolvable

from kernel import patterns, schema_bounds
from kernel.messages import as_json, schema_error_message
from kernel.problems import Problem, pointer

# Checks one value; returns None when valid, else a message.
ValueCheck = Callable[[Any], "str | None"]


# An explicit, empty registry: a `$ref` that leaves fields_schema is unresolvable. Without
# one, jsonschema falls back to fetching it (any URL, file:// included, no timeout).
LOCAL_ONLY = Registry()


def validator(fields_schema: Mapping[str, Any]) -> Any:
    """A validator of `fields_schema` that resolves references within it and nowhere else,
    and runs its patterns on RE2 (kernel/patterns.py)."""
    cls = _on_re2(validator_for(fields_schema))
    # jsonschema picks its class again wherever a (sub)schema names `$schema`, a `$ref` to
    # the root included, and would go back to Python's re there: the root's `$schema` has
    # chosen the dialect, so it goes (validation keeps `$schema` to the root).
    schema = {k: v for k, v in fields_schema.items() if k != "$schema"}
    return cls(schema, registry=LOCAL_ONLY)


@cache
def _on_re2(cls: Any) -> Any:
    # Every keyword spends a step of the value's budget (kernel/schema_bounds.py).
    return extend(cls, schema_bounds.counted({**cls.VALIDATORS, **patterns.KEYWORDS}))


def field_checks(fields_schema: Mapping[str, Any]) -> dict[str, ValueCheck]:
    """One value check per property of a (validated) fields_schema, built once."""
    root_validator = validator(fields_schema)
    checks: dict[str, ValueCheck] = {}
    for name, schema in (fields_schema.get("properties") or {}).items():
        checks[name] = _check_for(root_validator.evolve(schema=schema))
    return checks


def _check_for(validator: Any) -> ValueCheck:
    def check(value: Any) -> str | None:
        # is_valid first: the fast path; only an invalid value pays for the message.
        try:
            with schema_bounds.budget():
                if validator.is_valid(value):
                    return None
            with schema_bounds.budget():
                errors = validator.iter_errors(value)
                error = min(errors, key=lambda e: len(e.path), default=None)
        except schema_bounds.BudgetExceeded:
            return (
                "value takes too much work to check against the field's schema (more than "
                f"{schema_bounds.STEP_BUDGET} schema keywords)"
            )
        except RecursionError:
            return "value is nested too deeply to validate"
        except Unresolvable as exc:
            # Validation refuses such schemas; one stored before that still gets a 4xx.
            return f"the field's schema cannot resolve {getattr(exc, 'ref', '?')!r}"
        except (re.error, re2.error) as exc:
            return f"the field's schema holds an invalid pattern: {patterns.error_reason(exc)}"
        if error is None:
            return "value is not valid"
        where = "".join(f"/{p}" for p in error.path)
        return schema_error_message(error) + (f" (at {where})" if where else "")

    return check


def check_writes(
    checks: Mapping[str, ValueCheck],
    writes: Any,
    allowed: Iterable[str] | None,
    base: str,
    what: str,
) -> list[Problem]:
    """Problems of a write (submission, output, correction): keys allowed, values valid.

    `allowed` None means any schema field; `base` prefixes each problem's pointer.
    """
    if not isinstance(writes, Mapping):
        return [Problem(base, f"{what} must be a JSON object, got {type(writes).__name__}")]
    allowed_set = set(checks) if allowed is None else set(allowed)
    problems = []
    for key, value in writes.items():
        where = base + pointer(key)
        if key not in allowed_set:
            if key not in checks:
                problems.append(Problem(where, f"'{key}' is not a field of the workspace"))
            else:
                names = ", ".join(sorted(allowed_set)) or "none"
                problems.append(Problem(where, f"'{key}' is not among the {what} fields ({names})"))
            continue
        message = checks[key](value)
        if message is not None:
            problems.append(Problem(where, f"invalid value for {as_json(key)}: {message}"))
    return problems


def merge(data: Mapping[str, Any], writes: Mapping[str, Any]) -> dict[str, Any]:
    """The next iteration's workspace: a new dict, `writes` over `data` (values are shared)."""
    merged = dict(data)
    merged.update(writes)
    return merged
