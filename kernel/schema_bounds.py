"""Bounded work for JSON Schema: a fields_schema cannot make checking one value explode.

Two bounds, as JsonLogic has (kernel/jsonlogic budget):

- **At validation**, the schema unfolded from its root — every `$ref` followed, every
  applicator's subschemas counted — may have at most EXPANSION_LIMIT nodes, and no chain
  of applicators that stay on the same value (`allOf`, `anyOf`, `oneOf`, `not`, `if`,
  `then`, `else`, `dependentSchemas`, `$ref`) may lead back to where it started (it would
  never end). A schema whose `$defs` each refer twice to the next doubles at each level:
  refused here with the pointer of the reference that makes it too large.
- **At run time**, checking one value may apply at most STEP_BUDGET keywords; beyond, the
  value is refused with a message instead of holding a server thread. This catches what
  no static bound can: a recursive schema whose cost multiplies with the value's depth.

Written here rather than taken from a library: jsonschema has no work limit and no
analysis of a schema's size; the runtime budget uses its public `extend` API.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kernel.problems import Problem, pointer

EXPANSION_LIMIT = 10_000
STEP_BUDGET = 100_000

# Applicators whose subschemas apply to the same value (a cycle of them never ends).
_SAME_VALUE_ONE = ("not", "if", "then", "else")
_SAME_VALUE_LIST = ("allOf", "anyOf", "oneOf")
_SAME_VALUE_MAP = ("dependentSchemas",)
# Applicators whose subschemas apply to parts of the value.
_PART_ONE = (
    "additionalProperties", "items", "contains", "propertyNames", "unevaluatedItems",
    "unevaluatedProperties", "additionalItems",
)  # fmt: skip
_PART_LIST = ("prefixItems",)
_PART_MAP = ("properties", "patternProperties")
_REFS = ("$ref", "$dynamicRef")


class TooLarge(Exception):
    def __init__(self, path: tuple) -> None:
        self.path = path


class EndlessCycle(Exception):
    def __init__(self, path: tuple) -> None:
        self.path = path


def expansion_problems(schema: dict, lookup: Callable[[str], Any], where: str) -> list[Problem]:
    """Problems of a schema too large once unfolded, or with an endless cycle; `lookup`
    resolves a reference to its subschema (or raises)."""
    sizes: dict[int, int] = {}
    # The nodes being unfolded: id -> (their index on the path, whether the path from
    # them on stays on the same value).
    stack: list[tuple[int, bool]] = []
    on_stack: dict[int, int] = {}

    def size(node: Any, path: tuple, at: tuple, same_value: bool) -> int:
        """`path`: where the node is in the document; `at`: what led to it (reported)."""
        if not isinstance(node, dict):
            return 1
        key = id(node)
        if key in on_stack:
            start = on_stack[key]
            if same_value and all(s for _, s in stack[start + 1 :]):
                raise EndlessCycle(at)
            return 1  # recursion through parts of the value: bounded by the value
        if key in sizes:
            return sizes[key]
        on_stack[key] = len(stack)
        stack.append((key, same_value))
        total = 1
        try:
            for child, child_path, child_at, same in _children(node, path, lookup):
                total += size(child, child_path, child_at, same)
                if total > EXPANSION_LIMIT:
                    raise TooLarge(child_at)
        finally:
            stack.pop()
            del on_stack[key]
        sizes[key] = total
        return total

    try:
        size(schema, (), (), False)
    except TooLarge as exc:
        message = (
            f"fields_schema unfolds to more than {EXPANSION_LIMIT} subschemas once its "
            "references are followed (checking a value would take too long)"
        )
        return [Problem(where + pointer(*exc.path), message)]
    except EndlessCycle as exc:
        message = "this reference leads back to itself without descending into the value"
        return [Problem(where + pointer(*exc.path), message)]
    return []


def _children(node: dict, path: tuple, lookup: Callable[[str], Any]) -> Iterator[tuple]:
    """(subschema, its place in the document, the place that leads to it, same value?)"""
    for key in _SAME_VALUE_ONE:
        if key in node:
            yield node[key], (*path, key), (*path, key), True
    for key in _SAME_VALUE_LIST:
        if isinstance(node.get(key), list):
            for i, sub in enumerate(node[key]):
                yield sub, (*path, key, i), (*path, key, i), True
    for key in _SAME_VALUE_MAP:
        if isinstance(node.get(key), dict):
            for name, sub in node[key].items():
                yield sub, (*path, key, name), (*path, key, name), True
    for key in _REFS:
        ref = node.get(key)
        if isinstance(ref, str):
            try:
                target = lookup(ref)
            except Exception:  # noqa: BLE001 - reported as unresolvable elsewhere
                continue
            yield target, _fragment_path(ref) or (*path, key), (*path, key), True
    for key in _PART_ONE:
        if key in node:
            yield node[key], (*path, key), (*path, key), False
    for key in _PART_LIST:
        if isinstance(node.get(key), list):
            for i, sub in enumerate(node[key]):
                yield sub, (*path, key, i), (*path, key, i), False
    for key in _PART_MAP:
        if isinstance(node.get(key), dict):
            for name, sub in node[key].items():
                yield sub, (*path, key, name), (*path, key, name), False


def _fragment_path(ref: str) -> tuple | None:
    """The document path of a local JSON-pointer reference ("#/$defs/a" -> ("$defs", "a"))."""
    if not ref.startswith("#/"):
        return () if ref == "#" else None
    tokens = ref[2:].split("/")
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in tokens)


# ------------------------------------------------------------------ the run-time budget


class BudgetExceeded(Exception):
    """Checking one value applied more than STEP_BUDGET keywords."""


_remaining: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "schema_steps", default=None
)


@contextmanager
def budget(steps: int = STEP_BUDGET) -> Iterator[None]:
    """Count the keywords applied inside the block; BudgetExceeded past `steps`."""
    token = _remaining.set([steps])
    try:
        yield
    finally:
        _remaining.reset(token)


def counted(keywords: dict[str, Callable]) -> dict[str, Callable]:
    """jsonschema keyword functions that spend one step of the current budget each."""
    return {name: _counted(function) for name, function in keywords.items()}


def _counted(function: Callable) -> Callable:
    def keyword(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        remaining = _remaining.get()
        if remaining is not None:
            remaining[0] -= 1
            if remaining[0] < 0:
                raise BudgetExceeded
        return function(validator, value, instance, schema)

    return keyword
