"""A fields_schema cannot make checking a value explode: schemas that unfold too far or
loop on the same value are refused at validation, and a value whose check would take
too much work is refused with a message (kernel/schema_bounds.py)."""

from __future__ import annotations

import time

import pytest

from kernel.schema_bounds import EXPANSION_LIMIT, STEP_BUDGET
from kernel.validation import validate
from kernel.workspace import field_checks
from tests.kernel.builders import EVALUATOR, bundle


def doubling(levels: int) -> dict:
    """The issue's bomb: each $defs entry refers twice to the next."""
    defs = {
        f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}, {"$ref": f"#/$defs/d{i + 1}"}]}
        for i in range(levels)
    }
    defs[f"d{levels}"] = {"type": "string"}
    return bundle({"x": {"$ref": "#/$defs/d0"}}, schema_extra={"$defs": defs})


def problems(b: dict) -> dict[str, str]:
    return {p.pointer: p.message for p in validate(b, EVALUATOR)}


@pytest.mark.parametrize("levels", [16, 40])
def test_a_schema_that_doubles_at_each_reference_is_refused_quickly_with_a_pointer(levels):
    started = time.perf_counter()
    found = problems(doubling(levels))
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0  # before: k=16 took 4.4 s per value, k=40 minutes
    (where,) = [p for p, m in found.items() if "unfolds to more than" in m]
    assert where.startswith("/workflow/fields_schema/$defs/d")
    assert str(EXPANSION_LIMIT) in found[where]


def test_a_small_doubling_schema_is_still_accepted():
    assert problems(doubling(6)) == {}


def test_a_reference_that_loops_on_the_same_value_is_refused():
    b = bundle(
        {"x": {"$ref": "#/$defs/t"}},
        schema_extra={"$defs": {"t": {"allOf": [{"type": "string"}, {"$ref": "#/$defs/t"}]}}},
    )
    found = problems(b)
    assert any("leads back to itself" in message for message in found.values()), found


def test_a_recursive_schema_that_descends_into_the_value_is_accepted():
    tree = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "children": {
            "type": "array", "items": {"$ref": "#/$defs/tree"}}},
    }  # fmt: skip
    b = bundle({"root": {"$ref": "#/$defs/tree"}}, schema_extra={"$defs": {"tree": tree}})
    assert problems(b) == {}
    check = field_checks(b["workflow"]["fields_schema"])["root"]
    value = {"name": "a", "children": [{"name": "b", "children": []}]}
    assert check(value) is None
    assert "string" in check({"name": 1, "children": []})


def test_a_value_whose_check_would_take_too_much_work_is_refused_with_a_message():
    # Passes the static bound (recursion through a part of the value), but each level of
    # the value doubles the work: 2^30 keyword applications for a value 30 deep.
    node = {"allOf": [{"$ref": "#/$defs/half"}, {"$ref": "#/$defs/half"}]}
    half = {"properties": {"c": {"$ref": "#/$defs/node"}}}
    b = bundle(
        {"x": {"$ref": "#/$defs/node"}}, schema_extra={"$defs": {"node": node, "half": half}}
    )
    assert problems(b) == {}
    check = field_checks(b["workflow"]["fields_schema"])["x"]
    value: dict = {}
    for _ in range(30):
        value = {"c": value}
    started = time.perf_counter()
    message = check(value)
    assert time.perf_counter() - started < 10  # bounded: a budget, not 2^30 steps
    assert message is not None and str(STEP_BUDGET) in message
    assert check({"c": {"c": {}}}) is None  # a shallow value is checked as before
