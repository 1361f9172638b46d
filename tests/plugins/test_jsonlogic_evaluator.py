"""Focused tests of the JsonLogic evaluator: the behaviour workflows rely on."""

from __future__ import annotations

import math
import time

import pytest

from kernel.expressions import ExpressionError
from plugins.jsonlogic import EVALUATOR as E
from plugins.jsonlogic import guards


def run(rule, data=None):
    assert E.check(rule) == [], E.check(rule)
    return E.compile(rule)(data)


def test_registers_through_plugin_manager():
    from plugins.manager import default_evaluator, evaluators

    evaluator = default_evaluator()
    assert evaluator.name == "jsonlogic"
    assert evaluators()["jsonlogic"] is evaluator
    assert evaluator.compile({"==": [{"var": "approved"}, True]})({"approved": True}) is True


@pytest.mark.parametrize(
    "rule, data, expected",
    [
        ({"==": [{"var": "approved"}, True]}, {"approved": True}, True),
        ({">": [{"var": "quote"}, 100]}, {"quote": 250}, True),
        ({">": [{"var": "quote"}, 100]}, {}, False),
        ({"var": "$.iteration"}, {"$": {"iteration": 3}}, 3),
        (
            {"in": [{"var": "$.ticket.definition"}, ["Order"]]},
            {"$": {"ticket": {"definition": "Order"}}},
            True,
        ),
        ({"in": ["quote", {"var": "$.written"}]}, {"$": {"written": ["quote"]}}, True),
        ({"var": ["missing", 7]}, {}, 7),
        ({"var": "a.b.1"}, {"a": {"b": [5, 6]}}, 6),
        ({"var": "a.length"}, {"a": [5, 6]}, 2),
    ],
)
def test_evaluates(rule, data, expected):
    assert run(rule, data) == expected


def test_short_circuit_if_guards_division():
    rule = {"if": [{"==": [{"var": "x"}, 0]}, 0, {"/": [10, {"var": "x"}]}]}
    assert run(rule, {"x": 0}) == 0
    assert run(rule, {"x": 4}) == 2.5


def test_short_circuit_and_or():
    boom = {"/": [1, 0]}
    assert run({"and": [False, boom]}, {}) is False
    assert run({"or": [True, boom]}, {}) is True
    with pytest.raises(ExpressionError):
        run({"and": [True, boom]}, {})


@pytest.mark.parametrize("falsy", [0, "", False, None, []])
def test_falsy_items_are_not_replaced(falsy):
    items = {"items": [falsy, 1]}
    assert run({"map": [{"var": "items"}, {"var": ""}]}, items) == [falsy, 1]
    assert run({"filter": [{"var": "items"}, {"!": {"var": ""}}]}, items) == [falsy]
    assert run({"some": [{"var": "items"}, {"!": {"var": ""}}]}, items) is True
    assert run({"all": [{"var": "items"}, {"var": ""}]}, items) is False


@pytest.mark.parametrize(
    "value, expected",
    [
        ([], False),
        ("0", True),
        ("", False),
        (0, False),
        (0.0, False),
        ({}, True),
        ([0], True),
        (None, False),
        (math.nan, False),
        ("false", True),
        (-1, True),
    ],
)
def test_truthy(value, expected):
    assert E.truthy(value) is expected


def test_strict_equality_is_javascript():
    assert run({"===": [1, True]}) is False
    assert run({"!==": [1, True]}) is True
    assert run({"===": [1, 1.0]}) is True
    assert run({"==": [1, True]}) is True
    assert run({"in": [1, [True]]}) is False


def test_division_by_zero_is_an_error():
    with pytest.raises(ExpressionError, match="division by zero"):
        run({"/": [1, 0]})
    with pytest.raises(ExpressionError):
        run({"%": [1, 0]})


def test_nan_result_is_an_error_but_comparisons_with_nan_are_false():
    with pytest.raises(ExpressionError, match="finite"):
        run({"+": ["abc"]})
    assert run({">": [{"+": ["abc"]}, 1]}) is False


def test_remainder_sign_follows_dividend():
    assert run({"%": [-7, 3]}) == -1
    assert run({"%": [7, -3]}) == 1


def test_only_expression_errors_escape():
    f = E.compile({"==": [{"var": "a"}, "x"]})
    # panzi raises TypeError comparing a string with a date-like object
    import datetime

    with pytest.raises(ExpressionError):
        f({"a": datetime.date(2020, 1, 1)})


# --- check ---------------------------------------------------------------------------


def test_unknown_operator_is_a_problem_with_its_pointer():
    assert E.check({"and": [True, {"eqauls": [1, 1]}]}) == [("/and/1", "unknown operator 'eqauls'")]


def test_dotted_and_python_operators_are_unknown():
    for op in ("method", "var.__class__", "__import__", "log.x"):
        problems = E.check({op: []})
        assert problems and "unknown operator" in problems[0][1]


def test_arity_problem():
    assert E.check({"==": [1]}) == [("", "'==' takes 2 arguments, got 1")]
    assert E.check({"or": [{">": [1, 2, 3]}]}) == [("/or/0", "'>' takes 2 arguments, got 3")]


def test_deep_nesting_is_a_problem_not_a_recursion_error():
    rule = {"var": "x"}
    for _ in range(10_000):
        rule = {"!": [rule]}
    start = time.perf_counter()
    problems = E.check(rule)
    assert time.perf_counter() - start < 0.1
    assert len(problems) == 1 and "deeper than 64" in problems[0][1]
    with pytest.raises(ExpressionError):
        E.compile(rule)
    assert E.fields_read(rule) is None


def test_deep_list_nesting():
    rule: list = []
    for _ in range(10_000):
        rule = [rule]
    problems = E.check(rule)
    assert len(problems) == 1 and "deeper than" in problems[0][1]


def test_megabyte_expression_is_a_problem_and_fast():
    rules = [
        ({"cat": ["x" * 1_000_000]}, "expression is larger than"),
        ({"cat": ["é" * 2_000] * 300}, "expression is larger than"),
        ({"merge": list(range(1_000_000))}, "expression has more than"),
        ({"and": [{"==": [1, 1]}] * 200_000}, "expression has more than"),
        ({f"k{i}": i for i in range(300_000)}, "expression has more than"),
    ]
    for rule, message in rules:
        start = time.perf_counter()
        problems = E.check(rule)
        assert time.perf_counter() - start < 0.05
        assert len(problems) == 1 and problems[0][1].startswith(message), problems


def test_check_never_raises():
    class Weird:
        pass

    for expr in (Weird(), {1: 2}, {"==": [float("nan"), 1]}, {"var": {1, 2}}, (1, 2), b"x"):
        problems = E.check(expr)
        assert isinstance(problems, list) and problems


def test_iterator_nesting_limit():
    inner = {"var": ""}
    for _ in range(guards.MAX_ITERATOR_NESTING):
        inner = {"map": [{"var": ""}, inner]}
    assert E.check(inner) == []
    problems = E.check({"map": [{"var": ""}, inner]})
    assert problems and "iterating operators nest deeper" in problems[0][1]


def test_reduce_merge_blowup_is_bounded():
    rule = {
        "reduce": [{"var": "xs"}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]
    }
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="merge"):
        run(rule, {"xs": list(range(40))})
    assert time.perf_counter() - start < 1


def test_multiplication_does_not_grow_unbounded_integers():
    rule = {"reduce": [{"var": "xs"}, {"*": [{"var": "accumulator"}, {"var": "accumulator"}]}, 2]}
    start = time.perf_counter()
    with pytest.raises(ExpressionError):
        run(rule, {"xs": list(range(40))})
    assert time.perf_counter() - start < 1


def test_step_budget_bounds_nested_iteration():
    rule = {"map": [{"var": "xs"}, {"map": [{"var": "ys"}, {"map": [{"var": "zs"}, 1]}]}]}
    big = list(range(200))
    data = {"xs": [{"ys": [{"zs": big}] * 200}] * 200}
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="steps"):
        run(rule, data)
    assert time.perf_counter() - start < 2


# --- fields_read ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule, expected",
    [
        ({"==": [{"var": "approved"}, True]}, {"approved"}),
        ({"var": "a.b"}, {"a"}),
        ({"var": ["a", {"var": "b"}]}, {"a", "b"}),
        ({"var": "$.iteration"}, {"$"}),
        ({"missing": ["a", "b.c"]}, {"a", "b"}),
        ({"missing": "a"}, {"a"}),
        ({"missing_some": [1, ["a", "b"]]}, {"a", "b"}),
        (
            {"if": [{"missing": {"merge": ["a", {"missing_some": [1, ["b", "c"]]}]}}, 1, 0]},
            {"a", "b", "c"},
        ),
        ({"map": [{"var": "items"}, {"var": "qty"}]}, {"items"}),
        (
            {
                "reduce": [
                    {"var": "xs"},
                    {"+": [{"var": "current"}, {"var": "accumulator"}]},
                    {"var": "start"},
                ]
            },
            {"xs", "start"},
        ),
        ({"all": [{"var": "xs"}, {"some": [{"var": "ys"}, {"var": "z"}]}]}, {"xs"}),
        ({"var": 1}, {"1"}),
        (True, set()),
        ({"var": ""}, None),
        ({"var": []}, None),
        ({"var": None}, None),
        ({"var": {"cat": ["a", "b"]}}, None),
        ({"missing": {"var": "keys"}}, None),
    ],
)
def test_fields_read(rule, expected):
    assert E.fields_read(rule) == expected


DEDUPE = {
    "reduce": [
        {"var": "xs"},
        {
            "if": [
                {"in": [{"var": "current"}, {"var": "accumulator"}]},
                {"var": "accumulator"},
                {"merge": [{"var": "accumulator"}, [{"var": "current"}]]},
            ]
        },
        [],
    ]
}


def test_work_on_long_arrays_is_charged_to_the_budget():
    assert run(DEDUPE, {"xs": [1, 2, 1, 3, 2] * 100}) == [1, 2, 3]
    assert len(run(DEDUPE, {"xs": list(range(500))})) == 500
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="steps"):
        run(DEDUPE, {"xs": list(range(50_000))})
    assert time.perf_counter() - start < 2


def test_log_prints_nothing(capsys):
    assert run({"log": "secret"}) == "secret"
    assert capsys.readouterr().out == ""


def test_operations_inside_an_object_of_several_keys_are_a_problem():
    problems = E.check({"if": [True, {"a": {"var": "x"}, "b": 1}, 0]})
    assert problems == [
        ("/if/1/a", "operation 'var' inside an object of several keys is not evaluated")
    ]
    assert E.check({"in": [{"var": "x"}, [{"a": 1, "b": {"not_an_op": 2}}]]}) == []


def test_compiled_results_do_not_alias_the_rule():
    f = E.compile({"var": ["missing", [1, 2]]})
    first = f({})
    first.append(3)
    assert f({}) == [1, 2]


def test_results_nested_by_reduce_are_bounded():
    rule = {"reduce": [{"var": "xs"}, [{"var": "accumulator"}], []]}
    assert run(rule, {"xs": [1, 2]}) == [[[]]]
    with pytest.raises(ExpressionError, match="nests deeper"):
        run(rule, {"xs": list(range(2_000))})


MISSING_DATA = {"a": 1, "b": None, "c": "", "d": 0, "e": False, "f": {"g": None, "h": 2}}


@pytest.mark.parametrize(
    "keys",
    [["a", "b", "c", "d", "e", "z"], ["f.g", "f.h", "a"], ["", "a"], [1, "a"], []],
)
def test_missing_of_literal_keys_reads_as_the_general_var_walk(keys):
    """The join's fast path (one pass over plain keys) answers exactly what the general
    path (a var per key, dotted paths walked) answers, in the keys' order."""
    from plugins.jsonlogic.operations import op_var

    general = [k for k in keys if op_var(MISSING_DATA, k) in (None, "")]
    compiled = E.compile({"missing": keys})
    assert compiled(MISSING_DATA) == general
    assert E.compile({"!": {"missing": keys}})(MISSING_DATA) is (not general)
