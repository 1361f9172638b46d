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
import re
from collections.abc import Sequence
from typing import Any

from json_logic.builtins import BUILTINS, NAN, op_substr_utf16
from json_logic.builtins import to_number as panzi_to_number

from kernel.expressions import ExpressionError

# Run-time bounds on values an expression builds (sizes of data are someone else's).
MAX_MERGE_ITEMS = 100_000  # items in the result of one `merge`
MAX_CAT_CHARS = 1_000_000  # characters in the result of one `cat`
# Beyond 2**53 an integer is not exact in JavaScript; panzi keeps Python's unbounded ints,
# so {"*": [acc, acc]} in a reduce grows without bound. Such results become floats.
MAX_SAFE_INT = 2**53

_NUMBER_TYPES = (int, float)
_SCALAR_TYPES = (str, int, float, type(None))


# --- Conversions: JavaScript's, as json-logic-js gets them from the language ----------
# panzi's to_number("") is NaN (JS Number("") is 0, so "" == 0 and "" < 1 hold in JS)
# and its to_string(True) is "True" (it tests int before bool). These replace them.

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")
_RADIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def js_number(value: Any) -> int | float:
    """JavaScript's Number(value) for JSON values."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if kind is bool:
        return 1 if value else 0
    if value is None:
        return 0
    if kind is str:
        text = value.strip()
        if not text:
            return 0
        if _INTEGER.match(text):
            number = int(text)
            return number if -MAX_SAFE_INT <= number <= MAX_SAFE_INT else float(number)
        if _DECIMAL.match(text):
            return float(text)
        if text in ("Infinity", "+Infinity"):
            return math.inf
        if text == "-Infinity":
            return -math.inf
        base = _RADIX.get(text[:2])
        if base is not None:
            try:
                return int(text[2:], base)
            except ValueError:
                return NAN
        return NAN
    if kind is list:
        return js_number(js_string(value))
    if kind is dict:
        return NAN
    return panzi_to_number(value)  # dates: panzi's epoch milliseconds


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
    """JavaScript's String(value) for JSON values."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is int:
        return str(value)
    if kind is float:
        if value != value:
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return js_number_string(value)
    if kind is list:
        # Array.prototype.join: null becomes "", nested arrays join with commas.
        return ",".join("" if item is None else js_string(item) for item in value)
    if kind is dict:
        return "[object Object]"
    return str(value)


def _primitive(value: Any) -> Any:
    """ToPrimitive: arrays become their joined string, objects "[object Object]"."""
    kind = type(value)
    if kind is list or kind is dict:
        return js_string(value)
    return value


def _num(value: Any) -> int | float:
    """Clamp an integer result to JavaScript's number range (a float beyond 2**53)."""
    if type(value) is int and not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
        return float(value)  # OverflowError beyond 1e308 -> ExpressionError upstream
    return value


# --- Equality -----------------------------------------------------------------------


def _kind(value: Any) -> str:
    """JavaScript's typeof, as far as JSON goes (bool is not a number)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, _NUMBER_TYPES):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def strict_equals(a: Any, b: Any) -> bool:
    """JavaScript ===: same type and value; arrays and objects only by identity.

    panzi compares with Python's ==, so 1 === true (wrong) and [1] === [1] (wrong).
    """
    ka = _kind(a)
    if ka != _kind(b):
        return False
    if ka == "object":
        return a is b
    return a == b


def loose_equals(a: Any, b: Any) -> bool:
    """JavaScript == (Abstract Equality) for JSON values."""
    ta = type(a)
    if ta is type(b) and ta in _SCALAR_TYPES:
        return a == b  # the hot path: same scalar type
    ka, kb = _kind(a), _kind(b)
    if ka == kb:
        return a is b if ka == "object" else a == b
    if ka == "null" or kb == "null":
        return False
    if ka == "boolean":
        return loose_equals(1 if a else 0, b)
    if kb == "boolean":
        return loose_equals(a, 1 if b else 0)
    if ka == "object":
        return loose_equals(_primitive(a), b)
    if kb == "object":
        return loose_equals(a, _primitive(b))
    return js_number(a) == js_number(b)  # a number and a string


def op_equals(data=None, a=None, b=None, *_ignored) -> bool:
    return loose_equals(a, b)


def op_not_equals(data=None, a=None, b=None, *_ignored) -> bool:
    return not loose_equals(a, b)


def op_strict_equals(data=None, a=None, b=None, *_ignored) -> bool:
    return strict_equals(a, b)


def op_strict_not_equals(data=None, a=None, b=None, *_ignored) -> bool:
    return not strict_equals(a, b)


# --- Relational comparison ----------------------------------------------------------


def _relational(a: Any, b: Any) -> tuple[Any, Any]:
    """Abstract Relational Comparison: two strings compare as strings, else as numbers.

    panzi compares a string with anything by string (so "a" < null held: JS says false).
    """
    if type(a) in _NUMBER_TYPES and type(b) in _NUMBER_TYPES:
        return a, b
    pa, pb = _primitive(a), _primitive(b)
    if type(pa) is str and type(pb) is str:
        return pa, pb
    return js_number(pa), js_number(pb)


def _lt(a: Any, b: Any) -> bool:
    x, y = _relational(a, b)
    return x < y


def _le(a: Any, b: Any) -> bool:
    x, y = _relational(a, b)
    return x <= y


def _gt(a: Any, b: Any) -> bool:
    x, y = _relational(a, b)
    return x > y


def _ge(a: Any, b: Any) -> bool:
    x, y = _relational(a, b)
    return x >= y


def _between(compare):
    def op(data=None, *args: Any) -> bool:
        # panzi ignores a third argument that is null; json-logic-js compares with it.
        if len(args) >= 3:
            return compare(args[0], args[1]) and compare(args[1], args[2])
        a = args[0] if args else None
        b = args[1] if len(args) > 1 else None
        return compare(a, b)

    return op


def _binary(compare):
    def op(data=None, a=None, b=None, *_ignored) -> bool:
        # json-logic-js: > and >= take two arguments (panzi: a third one chains).
        return compare(a, b)

    return op


# --- Arithmetic ---------------------------------------------------------------------


def op_add(data=None, *args: Any) -> int | float:
    value: int | float = 0
    for arg in args:
        value = _num(value + js_number(arg))
    return value


def op_mul(data=None, *args: Any) -> int | float:
    value: int | float = 1
    for arg in args:
        value = _num(value * js_number(arg))
    return value


def op_minus(data=None, *args: Any) -> int | float:
    """Unary minus only with one argument: panzi negates {"-": [5, null]} (JS: 5)."""
    if len(args) == 1:
        return _num(-js_number(args[0]))
    if not args:
        return NAN
    return _num(js_number(args[0]) - js_number(args[1]))


def op_div(data=None, a=None, b=None, *_ignored) -> float:
    """Division by zero is an error: JS gives Infinity or NaN, which JSON cannot hold."""
    divisor = js_number(b)
    if divisor == 0:
        raise ExpressionError("division by zero")
    return js_number(a) / divisor


def op_mod(data=None, a=None, b=None, *_ignored) -> int | float:
    """JavaScript remainder: the sign follows the dividend (Python's % follows the divisor)."""
    x, y = js_number(a), js_number(b)
    if y == 0:
        raise ExpressionError("modulo by zero")
    if type(x) is int and type(y) is int:
        r = abs(x) % abs(y)
        return -r if x < 0 else r
    if math.isinf(y) and math.isfinite(x):
        return x
    return math.fmod(x, y)


def _extreme(pick):
    def op(data=None, *args: Any) -> float:
        # Python's min/max with NaN depends on the order; in JS any NaN gives NaN.
        if not args:
            return NAN
        numbers = [js_number(arg) for arg in args]
        if any(n != n for n in numbers):
            return NAN
        return pick(numbers)

    return op


# --- Strings and arrays -------------------------------------------------------------


def op_cat(data=None, *args: Any) -> str:
    """Array.prototype.join(""): null becomes "" (panzi: "null"), true "true" (panzi: "True")."""
    total = 0
    parts = []
    for arg in args:
        part = arg if type(arg) is str else ("" if arg is None else js_string(arg))
        total += len(part)
        if total > MAX_CAT_CHARS:
            raise ExpressionError(f"cat would build more than {MAX_CAT_CHARS} characters")
        parts.append(part)
    return "".join(parts)


def op_substr(data=None, string=None, index=None, length=None, *_ignored) -> str:
    """panzi's UTF-16 substr (JS counts UTF-16 code units), fed JS conversions."""
    return op_substr_utf16(
        data, js_string(string), js_number(index), None if length is None else js_number(length)
    )


def op_in(data=None, needle=None, haystack=None, *_ignored) -> bool:
    """Array membership is strict (JS indexOf), so 1 is not in [true]."""
    if isinstance(haystack, list):
        if needle is None or type(needle) is str:
            return needle in haystack  # == is already strict for these
        return any(strict_equals(needle, item) for item in haystack)
    if isinstance(haystack, str):
        return js_string(needle) in haystack
    return False


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


# --- Data access --------------------------------------------------------------------

_var_builtin = BUILTINS["var"]


def op_var(data=None, key=None, default=None) -> Any:
    """panzi's var, except a number key on an object: JS reads data["1"] for {"var": 1};
    panzi looks up the int 1 (never a JSON key) and then walks the path a second time."""
    if type(key) in _NUMBER_TYPES and not isinstance(data, (list, str)):
        key = js_string(key)
    elif type(key) is bool or type(key) is list:
        key = js_string(key)
    return _var_builtin(data, key, default)


def op_missing(data=None, *args: Any) -> list[Any]:
    """panzi's missing, reading with the var above."""
    keys = args[0] if args and isinstance(args[0], list) else args
    if type(data) is dict and all(plain_key(key) for key in keys):
        return missing_in(data, keys)
    missing = []
    for key in keys:
        value = op_var(data, key)
        if value is None or value == "":
            missing.append(key)
    return missing


def plain_key(key: Any) -> bool:
    """A top-level key: var reads it with no path walk."""
    return type(key) is str and key != "" and "." not in key


def missing_in(data: dict, keys: Sequence[Any]) -> list[Any]:
    """`missing` of plain keys on an object, read in one pass: the usual join,
    {"!": {"missing": [many fields]}}, then costs little more than a linear step."""
    values = list(map(data.get, keys))
    if None not in values and "" not in values:
        return []
    return [key for key, value in zip(keys, values, strict=True) if value is None or value == ""]


def op_missing_some(data=None, need_count: Any = 0, keys: Any = None, *_ignored) -> list[Any]:
    if not isinstance(keys, list):
        return []
    missing = op_missing(data, keys)
    if len(keys) - len(missing) >= js_number(need_count):
        return []
    return missing


def op_log(data=None, a=None, *_ignored) -> Any:
    """json-logic-js writes to the console; a server must not write rule data to stdout."""
    return a


OPERATIONS: dict[str, Any] = {
    **BUILTINS,
    "==": op_equals,
    "!=": op_not_equals,
    "===": op_strict_equals,
    "!==": op_strict_not_equals,
    "<": _between(_lt),
    "<=": _between(_le),
    ">": _binary(_gt),
    ">=": _binary(_ge),
    "+": op_add,
    "*": op_mul,
    "-": op_minus,
    "/": op_div,
    "%": op_mod,
    "min": _extreme(min),
    "max": _extreme(max),
    "cat": op_cat,
    "substr": op_substr,
    "in": op_in,
    "merge": op_merge,
    "var": op_var,
    "missing": op_missing,
    "missing_some": op_missing_some,
    "log": op_log,
}
