"""Static checks of a JsonLogic expression: known operators, arity, size and depth limits.

Why: no Python JsonLogic library bounds the work a rule may cause (the library comparison
summed up in docs/jsonlogic.md: a 120-byte reduce+merge rule built a 4-million-element
list, a nested map ran past 30 s), and rules come from workflow authors, later from an
AI assistant. So rules are checked when they are saved, here, and evaluation is bounded
at run time (see compiler.py and operations.py). `check` must never raise nor recurse,
whatever it is given: the traversal is iterative and bails out with a single problem
as soon as a size limit is crossed, before looking at the rest.
"""

from __future__ import annotations

import math
from typing import Any

# --- Limits (documented in docs/jsonlogic.md) --------------------------------------
MAX_DEPTH = 64  # nesting of JSON arrays/objects; a realistic condition uses < 12
MAX_NODES = 10_000  # JSON values in one expression (every scalar, array, object)
MAX_BYTES = 64 * 1024  # approximate size of the expression as compact JSON
MAX_STRING = 10_000  # characters in one literal string
MAX_ARRAY = 1_000  # items in one literal array (argument lists included)
MAX_ITERATOR_NESTING = 3  # map/filter/reduce/all/some/none inside each other's item logic

# Operators of json-logic-js (the reference implementation), no more: no dotted names,
# no `method`, nothing that reaches Python objects.
ITERATORS = frozenset({"map", "filter", "reduce", "all", "some", "none"})
# name -> (min args, max args or None); an argument that is not an array counts as one.
ARITY: dict[str, tuple[int, int | None]] = {
    "if": (0, None),  # {"if": []} is null in compatible.json
    "?:": (0, None),
    "and": (1, None),
    "or": (1, None),
    "!": (0, 1),  # {"!": []} is true in json-logic-js and the newer suites
    "!!": (0, 1),
    "==": (2, 2),
    "!=": (2, 2),
    "===": (2, 2),
    "!==": (2, 2),
    "<": (2, 3),
    "<=": (2, 3),
    ">": (2, 2),
    ">=": (2, 2),
    "+": (0, None),
    "*": (1, None),
    "-": (1, 2),
    "/": (2, 2),
    "%": (2, 2),
    "min": (1, None),
    "max": (1, None),
    "in": (2, 2),
    "cat": (0, None),
    "substr": (2, 3),
    "merge": (0, None),
    "var": (0, 2),
    "missing": (0, None),
    "missing_some": (2, 2),
    "log": (1, 1),
    "map": (2, 2),
    "filter": (2, 2),
    "reduce": (2, 3),
    "all": (2, 2),
    "some": (2, 2),
    "none": (2, 2),
}
OPERATORS = frozenset(ARITY)


def escape(token: str) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def _arity_text(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"at least {lo} argument{'s' if lo != 1 else ''}"
    if lo == hi:
        return f"{lo} argument{'s' if lo != 1 else ''}"
    return f"{lo} to {hi} arguments"


def _scalar_size(value: Any) -> int | None:
    """Approximate compact-JSON size of a scalar, or None when it is not a JSON scalar."""
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if type(value) is int:
        return len(str(value)) if -(10**18) < value < 10**18 else 20
    if type(value) is float:
        return 24 if math.isfinite(value) else None
    return None


def check(expr: Any) -> list[tuple[str, str]]:
    """Problems of `expr` as (relative JSON pointer, message); [] when it is valid."""
    try:
        return _check(expr)
    except Exception as exc:  # defensive: check() must never raise
        return [("", f"expression cannot be checked: {type(exc).__name__}")]


def _check(expr: Any) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    nodes = 0
    size = 0
    # (value, pointer, depth, iterator nesting, literal: inside an object that is data)
    stack: list[tuple[Any, str, int, int, bool]] = [(expr, "", 1, 0, False)]
    while stack:
        node, ptr, depth, nest, literal = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return [("", f"expression has more than {MAX_NODES} nodes")]
        if type(node) is str:
            if len(node) > MAX_STRING:
                problems.append((ptr, f"string longer than {MAX_STRING} characters"))
                size += len(node)
            else:
                size += len(node.encode("utf-8", "surrogatepass")) + 2
            if size > MAX_BYTES:
                return [("", f"expression is larger than {MAX_BYTES} bytes")]
            continue
        if not isinstance(node, (list, dict)):
            scalar = _scalar_size(node)
            if scalar is None:
                problems.append((ptr, f"not a JSON value: {type(node).__name__}"))
                scalar = 8
            size += scalar
            continue
        if type(node) not in (list, dict):
            problems.append((ptr, f"not a JSON value: {type(node).__name__}"))
            continue
        if depth > MAX_DEPTH:
            return [(ptr, f"expression nests deeper than {MAX_DEPTH} levels")]
        n = len(node)
        if nodes + len(stack) + n > MAX_NODES:
            return [("", f"expression has more than {MAX_NODES} nodes")]
        size += 2 + max(n - 1, 0)
        if isinstance(node, list):  # exactly a list or a dict by now (checked above)
            if n > MAX_ARRAY:
                problems.append((ptr, f"array has more than {MAX_ARRAY} items"))
            for i in range(n - 1, -1, -1):
                stack.append((node[i], f"{ptr}/{i}", depth + 1, nest, literal))
            continue
        # An object.
        for key in node:
            if type(key) is not str:
                problems.append((ptr, f"object key is not a string: {key!r}"[:200]))
            else:
                size += len(key) + 3
        if size > MAX_BYTES:
            return [("", f"expression is larger than {MAX_BYTES} bytes")]
        if n != 1:
            # JsonLogic returns such an object as data, unevaluated.
            for key, value in node.items():
                stack.append((value, f"{ptr}/{escape(str(key))}", depth + 1, nest, True))
            continue
        op, args = next(iter(node.items()))
        if type(op) is not str:
            continue
        if literal:
            if op in OPERATORS:
                problems.append(
                    (ptr, f"operation {op!r} inside an object of several keys is not evaluated")
                )
            stack.append((args, f"{ptr}/{escape(op)}", depth + 1, nest, True))
            continue
        if op not in OPERATORS:
            problems.append((ptr, f"unknown operator {op!r}"[:200]))
            stack.append((args, f"{ptr}/{escape(op)}", depth + 1, nest, False))
            continue
        argc = len(args) if type(args) is list else 1
        lo, hi = ARITY[op]
        if argc < lo or (hi is not None and argc > hi):
            problems.append((ptr, f"{op!r} takes {_arity_text(lo, hi)}, got {argc}"))
        inner = nest
        if op in ITERATORS and type(args) is list and len(args) >= 2:
            inner = nest + 1
            if inner > MAX_ITERATOR_NESTING:
                problems.append(
                    (ptr, f"iterating operators nest deeper than {MAX_ITERATOR_NESTING} levels")
                )
        aptr = f"{ptr}/{escape(op)}"
        if type(args) is list:
            nodes += 1  # the argument array itself
            if nodes + len(stack) + len(args) > MAX_NODES:
                return [("", f"expression has more than {MAX_NODES} nodes")]
            size += 2 + max(len(args) - 1, 0)
            if len(args) > MAX_ARRAY:
                problems.append((aptr, f"array has more than {MAX_ARRAY} items"))
            for i in range(len(args) - 1, -1, -1):
                item_nest = inner if (i == 1 and op in ITERATORS) else nest
                stack.append((args[i], f"{aptr}/{i}", depth + 2, item_nest, False))
        else:
            stack.append((args, aptr, depth + 1, nest, False))
    return problems
