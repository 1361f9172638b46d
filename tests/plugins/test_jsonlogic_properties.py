"""Property tests: our compiled closures agree with panzi's own `apply` run with the same
corrected operations, and check/compile/evaluate never let anything but ExpressionError out.

Why: compiler.py transcribes panzi's control flow for speed; this is what keeps it honest.
The generated rules avoid the two deliberate differences (reduce's initial value is
evaluated by us, json-logic-js and not by panzi; reduce's per-step scope is a fresh
object) by giving reduce a literal initial value and no whole-scope {"var": ""}.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from json_logic import jsonLogic

from kernel.expressions import ExpressionError
from plugins.jsonlogic import EVALUATOR
from plugins.jsonlogic.operations import OPERATIONS

KEYS = ["a", "b", "c", "0", "1"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "0", "1", "a", "b", "1.5", " 2 ", "true", "null", "ab"]),
)
data_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=10,
)
contexts = st.dictionaries(st.sampled_from(KEYS), data_values, max_size=4) | data_values
paths = st.sampled_from(
    ["a", "b", "c", "a.b", "a.0", "b.a", "a.length", "0", "1", "1.a"]
) | st.integers(0, 2)
var_exprs = st.builds(lambda p: {"var": p}, paths)

BINARY = ["==", "!=", "===", "!==", "<", ">", "<=", ">=", "-", "/", "%", "in", "substr"]
VARIADIC = ["and", "or", "if", "+", "*", "cat", "merge", "min", "max"]
ITERATING = ["map", "filter", "all", "some", "none"]


def _extend(expr):
    return st.one_of(
        st.builds(lambda op, x, y: {op: [x, y]}, st.sampled_from(BINARY), expr, expr),
        st.builds(
            lambda op, xs: {op: xs},
            st.sampled_from(VARIADIC),
            st.lists(expr, min_size=1, max_size=4),
        ),
        st.builds(lambda op, x: {op: x}, st.sampled_from(["!", "!!", "-"]), expr),
        st.builds(
            lambda op, x, y, z: {op: [x, y, z]},
            st.sampled_from(["<", "<=", "substr"]),
            expr,
            expr,
            expr,
        ),
        st.builds(lambda op, x, y: {op: [x, y]}, st.sampled_from(ITERATING), expr, expr),
        st.builds(lambda x, y, z: {"reduce": [x, y, z]}, expr, expr, scalars),
        st.builds(lambda p, d: {"var": [p, d]}, paths, expr),
        st.builds(
            lambda ks: {"missing": ks}, st.lists(st.sampled_from(KEYS + ["a.b"]), max_size=3)
        ),
        st.builds(
            lambda n, ks: {"missing_some": [n, ks]},
            st.integers(0, 2),
            st.lists(st.sampled_from(KEYS), max_size=3),
        ),
        st.lists(expr, max_size=3),
    )


rules = st.recursive(scalars | var_exprs, _extend, max_leaves=12)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (a != a and b != b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def _whole_scope_var(rule: Any) -> bool:
    text = json.dumps(rule)
    return '{"var": ""}' in text or '{"var": null}' in text or '{"var": []}' in text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=rules, data=contexts)
def test_compiled_agrees_with_panzi_apply(rule, data):
    assume(EVALUATOR.check(rule) == [])
    assume(not ("reduce" in json.dumps(rule) and _whole_scope_var(rule)))
    try:
        expected = ("ok", jsonLogic(rule, data, OPERATIONS))
    except Exception as exc:  # panzi raises whatever Python raises
        expected = ("error", exc)
    try:
        got = ("ok", EVALUATOR.compile(rule)(data))
    except ExpressionError as exc:
        got = ("error", exc)
    if expected[0] == "ok" and not _finite(expected[1]):
        assert got[0] == "error"  # NaN/Infinity are not JSON: an error for us
    elif expected[0] == "error":
        assert got[0] == "error", (rule, data, got)
    else:
        assert got[0] == "ok" and _same(got[1], expected[1]), (rule, data, expected, got)


garbage = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(["var", "map", "==", "if", "merge", "reduce", "method", ""]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=3) | st.sampled_from(list(OPERATIONS)), inner, max_size=2
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(expr=garbage, data=contexts)
def test_nothing_but_expression_error_escapes(expr, data):
    problems = EVALUATOR.check(expr)
    assert isinstance(problems, list)
    assert all(isinstance(p, str) and isinstance(m, str) for p, m in problems)
    try:
        fn = EVALUATOR.compile(expr)
    except ExpressionError:
        assert problems
        return
    assert not problems
    try:
        fn(data)
    except ExpressionError:
        pass
    fields = EVALUATOR.fields_read(expr)
    assert fields is None or all(isinstance(f, str) for f in fields)
