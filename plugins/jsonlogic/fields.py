"""Which top-level context keys an expression reads (for "read but never written" analysis).

Why separate: static analysis of a workflow needs this without evaluating anything.
Rules of the walk: `var` reads the first segment of its path ("a.b" -> "a"); `missing`
and `missing_some` read the keys they list; the per-item logic of map/filter/reduce/
all/some/none reads the item (or {current, accumulator}), not the context, so it is
skipped; operations inside an object of several keys are not evaluated, so skipped.
The answer is None ("cannot be known") when a path is computed, or is "" / null (the
whole context), or the expression is too deep to be a checked one.
"""

from __future__ import annotations

from typing import Any

from plugins.jsonlogic.guards import ITERATORS, MAX_DEPTH
from plugins.jsonlogic.operations import js_string


class _Unknown(Exception):
    """The keys read cannot be known statically."""


def fields_read(expr: Any) -> set[str] | None:
    found: set[str] = set()
    try:
        _walk(expr, found, 0)
    except _Unknown:
        return None
    except RecursionError:
        return None
    return found


def _args(value: Any) -> list[Any]:
    return value if type(value) is list else [value]


def _walk(expr: Any, found: set[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _Unknown
    if type(expr) is list:
        for item in expr:
            _walk(item, found, depth + 1)
        return
    if type(expr) is not dict or len(expr) != 1:
        return  # scalars, and objects of several keys (data, not evaluated)
    op, raw = next(iter(expr.items()))
    args = _args(raw)
    if op == "var":
        _var_path(args[0] if args else None, found)
        for arg in args[1:]:  # the default is evaluated in the same scope
            _walk(arg, found, depth + 1)
    elif op == "missing":
        if args and type(args[0]) is list:
            args = args[0]  # panzi and json-logic-js: a first array argument is the key list
        for arg in args:
            _keys(arg, found, depth + 1)
    elif op == "missing_some":
        if args:
            _walk(args[0], found, depth + 1)
        for arg in args[1:2]:
            _keys(arg, found, depth + 1)
    elif op in ITERATORS:
        if args:
            _walk(args[0], found, depth + 1)
        if op == "reduce" and len(args) > 2:
            _walk(args[2], found, depth + 1)  # the initial value: context scope
        # args[1], the per-item logic, reads the item: not the context.
    else:
        for arg in args:
            _walk(arg, found, depth + 1)


def _var_path(path: Any, found: set[str]) -> None:
    if path is None or path == "" or type(path) in (list, dict):
        raise _Unknown  # the whole context, or a path computed at run time
    text = path if type(path) is str else js_string(path)
    found.add(text.split(".", 1)[0])


def _keys(arg: Any, found: set[str], depth: int) -> None:
    """A key argument of missing/missing_some: a literal key, a list of them, or an
    expression whose result is a list of keys (merge of keys, missing_some, ...)."""
    if depth > MAX_DEPTH:
        raise _Unknown
    if type(arg) is list:
        for item in arg:
            _keys(item, found, depth + 1)
    elif type(arg) is dict and len(arg) == 1:
        op, raw = next(iter(arg.items()))
        if op == "merge":
            for item in _args(raw):
                _keys(item, found, depth + 1)
        elif op in ("missing", "missing_some"):
            _walk(arg, found, depth)  # yields a subset of its own keys
        elif op in ("if", "?:"):
            for index, item in enumerate(_args(raw)):
                branch = index % 2 == 1 or index == len(_args(raw)) - 1
                if branch:
                    _keys(item, found, depth + 1)
                else:
                    _walk(item, found, depth + 1)
        else:
            raise _Unknown
    elif type(arg) is dict:
        raise _Unknown
    elif arg is None or arg == "":
        raise _Unknown
    else:
        _var_path(arg, found)
