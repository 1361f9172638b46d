"""The operations handed to panzi-json-logic: its builtins, corrected where they differ
from json-logic-js (the reference) in ways that matter, and bounded.

Why here: panzi takes its operations per call (no global registry), so corrections are a
dict, not a fork. `OPERATIONS` is built once at import; the same dict is what our compiler
calls and what `json_logic.jsonLogic(rule, data, OPERATIONS)` would use, which is how the
tests compare the two. Control operators (if, and, or, map, filter, reduce, all, some,
none) are not operations in panzi; see compiler.py.

Every correction is listed in docs/jsonlogic.md under "Deviations".
"""

from __future__ import annotations

import math
from typing import Any

from json_logic.builtins import (
    BUILTINS,
    NAN,
    greater_than,
    greater_than_or_equal,
    less_than,
    less_than_or_equal,
    op_missing,
    op_missing_some,
    op_substr_utf16,
    to_number,
    to_string,
)

from kernel.expressions import ExpressionError

# Run-time bounds on values an expression builds (sizes of data are someone else's).
MAX_MERGE_ITEMS = 100_000  # items in the result of one `merge`
MAX_CAT_CHARS = 1_000_000  # characters in the result of one `cat`
# Beyond 2**53 an integer is not exact in JavaScript; panzi keeps Python's unbounded ints,
# so {"*": [acc, acc]} in a reduce grows without bound. Such results become floats.
MAX_SAFE_INT = 2**53


def _num(value: Any) -> int | float:
    """Clamp an integer result to JavaScript's number range (a float beyond 2**53)."""
    if type(value) is int and not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
        return float(value)  # OverflowError beyond 1e308 -> ExpressionError upstream
    return value


def _kind(value: Any) -> str:
    """JavaScript's typeof, as far as JSON goes (bool is not a number)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript ===: same type and value; arrays and objects only by identity.

    panzi compares with Python's ==, so 1 === true and 1 === 1.0 are both true there;
    the first is wrong (JS: false), the second right.
    """
    ka = _kind(a)
    if ka != _kind(b):
        return False
    if ka == "object":
        return a is b
    return a == b


def op_strict_equals(data=None, a=None, b=None, *_ignored) -> bool:
    return strict_equals(a, b)


def op_strict_not_equals(data=None, a=None, b=None, *_ignored) -> bool:
    return not strict_equals(a, b)


def op_in(data=None, needle=None, haystack=None, *_ignored) -> bool:
    """Array membership is strict (JS indexOf), so 1 is not in [true]."""
    if isinstance(haystack, list):
        if needle is None or type(needle) is str:
            return needle in haystack  # == is already strict for these
        return any(strict_equals(needle, item) for item in haystack)
    if isinstance(haystack, str):
        return to_string(needle) in haystack
    return False


def op_minus(data=None, *args: Any) -> int | float:
    """Unary minus only with one argument: panzi negates {"-": [5, null]} (JS: 5)."""
    if len(args) == 1:
        return _num(-to_number(args[0]))
    if not args:
        return NAN
    return _num(to_number(args[0]) - to_number(args[1]))


def op_add(data=None, *args: Any) -> int | float:
    value: int | float = 0
    for arg in args:
        value = _num(value + to_number(arg))
    return value


def op_mul(data=None, *args: Any) -> int | float:
    value: int | float = 1
    for arg in args:
        value = _num(value * to_number(arg))
    return value


def op_div(data=None, a=None, b=None, *_ignored) -> float:
    """Division by zero is an error: JS gives Infinity or NaN, which JSON cannot hold."""
    divisor = to_number(b)
    if divisor == 0:
        raise ExpressionError("division by zero")
    return to_number(a) / divisor


def op_mod(data=None, a=None, b=None, *_ignored) -> int | float:
    """JavaScript remainder: the sign follows the dividend (Python's % follows the divisor)."""
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise ExpressionError("modulo by zero")
    if type(x) is int and type(y) is int:
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    if math.isinf(y) and math.isfinite(x):
        return x
    return math.fmod(x, y)


def _chain(compare):
    def op(data=None, *args: Any) -> bool:
        # panzi ignores a third argument that is null; JS compares with it (null -> 0).
        if len(args) >= 3:
            return compare(args[0], args[1]) and compare(args[1], args[2])
        a = args[0] if args else None
        b = args[1] if len(args) > 1 else None
        return compare(a, b)

    return op


def _extreme(pick):
    def op(data=None, *args: Any) -> float:
        # Python's min/max with NaN depends on the order; in JS any NaN gives NaN.
        if not args:
            return NAN
        numbers = [to_number(arg) for arg in args]
        if any(n != n for n in numbers):
            return NAN
        return pick(numbers)

    return op


def js_number_string(value: float) -> str:
    """Number.prototype.toString of a finite float (panzi's %.15g gives 0.1+0.2 -> "0.3")."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")  # shortest round-trip digits
    int_part, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = int_part + frac
    point = len(int_part) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    # ECMAScript Number::toString, steps for k digits and decimal point position n.
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mant = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mant}e{'+' if e >= 0 else '-'}{abs(e)}"


def js_string(value: Any) -> str:
    if type(value) is float:
        if value != value:
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return js_number_string(value)
    if type(value) is list:
        # JS Array.prototype.join: null becomes "", nested arrays join with commas.
        return ",".join("" if item is None else js_string(item) for item in value)
    return to_string(value)


def op_cat(data=None, *args: Any) -> str:
    total = 0
    parts = []
    for arg in args:
        part = arg if type(arg) is str else js_string(arg)
        total += len(part)
        if total > MAX_CAT_CHARS:
            raise ExpressionError(f"cat would build more than {MAX_CAT_CHARS} characters")
        parts.append(part)
    return "".join(parts)


def op_merge(data=None, *args: Any) -> list[Any]:
    items: list[Any] = []
    for arg in args:
        if isinstance(arg, list):
            items.extend(arg)
        else:
            items.append(arg)
        if len(items) > MAX_MERGE_ITEMS:
            raise ExpressionError(f"merge would build more than {MAX_MERGE_ITEMS} items")
    return items


def op_var(data=None, key=None, default=None) -> Any:
    """panzi's var, except a number key on an object: JS reads data["1"] for {"var": 1};
    panzi looks up the int 1 (never a JSON key) and then walks the path a second time."""
    if (
        isinstance(key, (int, float))
        and not isinstance(key, bool)
        and not isinstance(data, (list, str))
    ):
        key = js_string(key) if type(key) is float else str(key)
    return _var_builtin(data, key, default)


_var_builtin = BUILTINS["var"]


def op_log(data=None, a=None, *_ignored) -> Any:
    """json-logic-js writes to the console; a server must not write rule data to stdout."""
    return a


OPERATIONS: dict[str, Any] = {
    **BUILTINS,
    "===": op_strict_equals,
    "!==": op_strict_not_equals,
    "in": op_in,
    "+": op_add,
    "*": op_mul,
    "-": op_minus,
    "/": op_div,
    "%": op_mod,
    "<": _chain(less_than),
    "<=": _chain(less_than_or_equal),
    ">": _chain(greater_than),
    ">=": _chain(greater_than_or_equal),
    "min": _extreme(min),
    "max": _extreme(max),
    "cat": op_cat,
    "merge": op_merge,
    "var": op_var,
    "log": op_log,
    "substr": op_substr_utf16,
    "missing": op_missing,
    "missing_some": op_missing_some,
}
