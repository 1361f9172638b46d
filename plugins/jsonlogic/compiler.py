"""Compile a checked JsonLogic expression into nested Python closures.

Why: panzi's `apply` re-reads the rule on every call (type tests, list wrapping, a chain
of `elif op ==` for the control operators) and costs 2.6 µs for {"==": [{"var": "a"}, true]}
and ~10 µs for a 3-clause `or`; the kernel evaluates a condition for every candidate task
of every step (target 20,000 steps/s). Parsing once brings that to well under 1 µs
(figures in docs/jsonlogic.md).

panzi stays the source of semantics: every non-control operator is a function of
`operations.OPERATIONS` (panzi's builtins, corrected), called exactly as panzi calls it,
and the control operators below transcribe panzi's `apply` line by line. The tests run
every conformance case and a property test comparing us with
`json_logic.jsonLogic(rule, data, OPERATIONS)`. Differences from panzi's control flow are
deliberate and few (see docs/jsonlogic.md): reduce evaluates its initial value and gives
each step a fresh {"current", "accumulator"} object, as json-logic-js does; iterating
operators spend a per-evaluation step budget.

A compiled node is a function (data, budget) -> value; `budget` is a one-item list
holding the steps left for this evaluation: iterating operators spend it per item, and
operations spend it for long array or string arguments.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from json_logic.builtins import not_, to_bool

from kernel.expressions import ExpressionError
from plugins.jsonlogic.operations import OPERATIONS, missing_in, plain_key

# Steps one evaluation may spend: each item of an iterating operator costs the node count
# of its per-item logic. The worst case measured is ~0.45 s (docs/jsonlogic.md).
MAX_STEPS = 1_000_000
# Arrays and strings up to this length are free arguments; longer ones cost length/8 steps.
FREE_LENGTH = 64

Node = Callable[[Any, list], Any]


def _exhausted() -> ExpressionError:
    return ExpressionError(f"evaluation exceeded {MAX_STEPS} steps")


def _size(expr: Any) -> int:
    """Number of JSON values in `expr` (it is checked, so small and shallow)."""
    count = 0
    stack = [expr]
    while stack:
        node = stack.pop()
        count += 1
        if type(node) is list:
            stack.extend(node)
        elif type(node) is dict:
            stack.extend(node.values())
    return count


def _const(value: Any) -> Node:
    if type(value) is list:
        return lambda data, budget: copy.deepcopy(value)
    if type(value) is dict:
        return lambda data, budget: copy.deepcopy(value)
    return lambda data, budget: value


def _is_scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def compile_node(expr: Any) -> Node:
    if type(expr) is list:
        if all(_is_scalar(item) for item in expr):
            items = list(expr)
            return lambda data, budget: items[:]
        parts = [compile_node(item) for item in expr]
        return lambda data, budget: [part(data, budget) for part in parts]
    if type(expr) is not dict or len(expr) != 1:
        return _const(expr)
    op, args = next(iter(expr.items()))
    if type(args) is not list:
        args = [args]
    builder = _CONTROL.get(op)
    if builder is not None:
        return builder(args)
    if op == "var":
        fast = _compile_var(args)
        if fast is not None:
            return fast
    if op == "missing" and all(_is_scalar(arg) for arg in args):
        # A join lists its fields literally: hand them over as one list, not as that many
        # compiled constants evaluated and size-checked one by one at every step.
        keys, missing = list(args), OPERATIONS["missing"]
        if all(plain_key(key) for key in keys):
            return lambda data, budget: (
                missing_in(data, keys) if type(data) is dict else missing(data, keys)
            )
        return lambda data, budget: missing(data, keys)
    fn = OPERATIONS.get(op)
    if fn is None:
        # check() rejects unknown operators before compile; this is a last line.
        raise ExpressionError(f"unknown operator {op!r}")
    return _call(fn, [compile_node(arg) for arg in args])


def _size_cost(budget: list, length: int) -> None:
    """Operations on a long array or string (merge, in, cat, ==, conversions...) cost
    O(length): charge one step per 8 items, so a loop over a growing accumulator (the
    dedupe-by-reduce pattern) is bounded too, not just the number of iterations."""
    budget[0] -= length >> 3
    if budget[0] < 0:
        raise _exhausted()


def _call(fn: Callable[..., Any], parts: list[Node]) -> Node:
    n = len(parts)
    if n == 0:
        return lambda data, budget: fn(data)
    if n == 1:
        (a,) = parts

        def call1(data: Any, budget: list) -> Any:
            x = a(data, budget)
            if (type(x) is list or type(x) is str) and len(x) > FREE_LENGTH:
                _size_cost(budget, len(x))
            return fn(data, x)

        return call1
    if n == 2:
        a, b = parts

        def call2(data: Any, budget: list) -> Any:
            x = a(data, budget)
            y = b(data, budget)
            if (type(x) is list or type(x) is str) and len(x) > FREE_LENGTH:
                _size_cost(budget, len(x))
            if (type(y) is list or type(y) is str) and len(y) > FREE_LENGTH:
                _size_cost(budget, len(y))
            return fn(data, x, y)

        return call2

    def call(data: Any, budget: list) -> Any:
        args = [part(data, budget) for part in parts]
        for x in args:
            if (type(x) is list or type(x) is str) and len(x) > FREE_LENGTH:
                _size_cost(budget, len(x))
        return fn(data, *args)

    return call


_var = OPERATIONS["var"]


def _compile_var(args: list[Any]) -> Node | None:
    """{"var": "a.b"} with a literal path: walk objects directly, else defer to var()."""
    if not args or type(args[0]) is not str or args[0] == "" or len(args) > 2:
        return None
    key = args[0]
    if len(args) == 2 and not _is_scalar(args[1]):
        return None
    default = args[1] if len(args) == 2 else None
    props = key.split(".")
    if len(props) == 1:

        def var1(data: Any, budget: list) -> Any:
            if type(data) is dict:
                value = data.get(key)
                return default if value is None else value
            return _var(data, key, default)

        return var1

    def var_path(data: Any, budget: list) -> Any:
        value = data
        for prop in props:
            if type(value) is not dict:
                return _var(data, key, default)  # lists, strings: panzi's rules
            value = value.get(prop)
        return default if value is None else value

    return var_path


# --- Control operators: panzi's apply, transcribed ----------------------------------


def _if(args: list[Any]) -> Node:
    parts = [compile_node(arg) for arg in args]
    argc = len(parts)
    if argc == 0:
        return lambda data, budget: None
    if argc == 3:
        cond, yes, no = parts
        return lambda data, budget: (
            yes(data, budget) if to_bool(cond(data, budget)) else no(data, budget)
        )

    def if_(data: Any, budget: list) -> Any:
        last_index = argc - 1
        index = 0
        while index < last_index:
            if to_bool(parts[index](data, budget)):
                return parts[index + 1](data, budget)
            index += 2
        if index >= argc:
            return None
        return parts[index](data, budget)

    return if_


def _and(args: list[Any]) -> Node:
    parts = [compile_node(arg) for arg in args]

    def and_(data: Any, budget: list) -> Any:
        current = None
        for part in parts:
            current = part(data, budget)
            if not_(current):
                return current
        return current

    return and_


def _or(args: list[Any]) -> Node:
    parts = [compile_node(arg) for arg in args]

    def or_(data: Any, budget: list) -> Any:
        current = None
        for part in parts:
            current = part(data, budget)
            if to_bool(current):
                return current
        return current

    return or_


def _spend(budget: list, items: list, cost: int) -> None:
    budget[0] -= len(items) * cost
    if budget[0] < 0:
        raise _exhausted()


def _items_and_logic(args: list[Any]) -> tuple[Node, Node, int]:
    items = compile_node(args[0])
    logic = args[1] if len(args) > 1 else None
    return items, compile_node(logic), _size(logic)


def _filter(args: list[Any]) -> Node:
    if len(args) < 2:
        return lambda data, budget: []
    items_of, logic, cost = _items_and_logic(args)

    def filter_(data: Any, budget: list) -> Any:
        items = items_of(data, budget)
        if not isinstance(items, list):
            return []
        _spend(budget, items, cost)
        return [item for item in items if to_bool(logic(item, budget))]

    return filter_


def _map(args: list[Any]) -> Node:
    if len(args) < 1:
        return lambda data, budget: []
    items_of, logic, cost = _items_and_logic(args)

    def map_(data: Any, budget: list) -> Any:
        items = items_of(data, budget)
        if not isinstance(items, list):
            return []
        _spend(budget, items, cost)
        return [logic(item, budget) for item in items]

    return map_


def _reduce(args: list[Any]) -> Node:
    if len(args) < 1:
        return lambda data, budget: None
    items_of, logic, cost = _items_and_logic(args)
    # json-logic-js evaluates the initial value (panzi passes it unevaluated).
    initial = compile_node(args[2]) if len(args) > 2 else (lambda data, budget: None)

    def reduce_(data: Any, budget: list) -> Any:
        items = items_of(data, budget)
        accumulator = initial(data, budget)
        if not isinstance(items, list):
            return accumulator
        _spend(budget, items, cost)
        for item in items:
            # A fresh scope per step, as in json-logic-js (panzi reuses one dict, so
            # {"var": ""} would make the accumulator contain itself).
            accumulator = logic({"current": item, "accumulator": accumulator}, budget)
        return accumulator

    return reduce_


def _all(args: list[Any]) -> Node:
    if len(args) < 2:
        return lambda data, budget: False
    items_of, logic, cost = _items_and_logic(args)

    def all_(data: Any, budget: list) -> Any:
        items = items_of(data, budget)
        if not isinstance(items, list) or not items:
            return False
        _spend(budget, items, cost)
        return all(to_bool(logic(item, budget)) for item in items)

    return all_


def _some(args: list[Any]) -> Node:
    if len(args) < 2:
        return lambda data, budget: False
    items_of, logic, cost = _items_and_logic(args)

    def some_(data: Any, budget: list) -> Any:
        items = items_of(data, budget)
        if not isinstance(items, list):
            return False
        _spend(budget, items, cost)
        return any(to_bool(logic(item, budget)) for item in items)

    return some_


def _none(args: list[Any]) -> Node:
    if len(args) < 2:
        return lambda data, budget: True
    items_of, logic, cost = _items_and_logic(args)

    def none_(data: Any, budget: list) -> Any:
        items = items_of(data, budget)
        if not isinstance(items, list):
            return True
        _spend(budget, items, cost)
        return not any(to_bool(logic(item, budget)) for item in items)

    return none_


_CONTROL: dict[str, Callable[[list[Any]], Node]] = {
    "if": _if,
    "?:": _if,
    "and": _and,
    "or": _or,
    "filter": _filter,
    "map": _map,
    "reduce": _reduce,
    "all": _all,
    "some": _some,
    "none": _none,
}
