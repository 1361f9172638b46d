"""Bundle validation: every problem at once, each at a JSON pointer (docs/bundle-format.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kernel.bundle import compile_bundle
from kernel.problems import InvalidBundle
from kernel.validation import validate
from tests.kernel.builders import EVALUATOR, bundle, completion, task

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "order_fulfilment" / "bundle.json"


def problems(b) -> dict[str, str]:
    return {p.pointer: p.message for p in validate(b, EVALUATOR)}


def good() -> dict:
    return json.loads(EXAMPLE.read_text())


def test_valid_bundle_has_no_problem():
    assert validate(good(), EVALUATOR) == []


def test_every_problem_is_reported_at_once_with_its_pointer():
    b = good()
    b["format"] = "v0"
    b["workflow"]["max_iterations"] = 0
    b["tasks"][0]["output_fields"] = ["quote", "nope"]
    b["tasks"][1]["task_type"] = "EMAIL"
    b["tasks"][1]["condition"] = {"and": [{"bogus": [1]}]}
    b["tasks"][2]["action_url"] = "ftp://x"
    b["completions"][0]["fields"] = []
    b["tickets"][0]["fields"] = ["customer", "$"]
    found = problems(b)
    assert set(found) == {
        "/format",
        "/workflow/max_iterations",
        "/tasks/0/output_fields/1",
        "/tasks/1/task_type",
        "/tasks/1/condition/and/0",
        "/tasks/2/action_url",
        "/completions/0/fields",
        "/tickets/0/fields/1",
    }
    assert "bogus" in found["/tasks/1/condition/and/0"]


@pytest.mark.parametrize(
    "path,value,pointer",
    [
        (("workflow", "title"), None, "/workflow/title"),
        (("workflow", "fields_schema"), None, "/workflow/fields_schema"),
        (("tasks", 0, "title"), None, "/tasks/0/title"),
        (("tasks", 0, "input_fields"), None, "/tasks/0/input_fields"),
        (("tasks", 0, "action_url"), None, "/tasks/0/action_url"),
        (("tasks", 0, "timeout_seconds"), 0, "/tasks/0/timeout_seconds"),
        (("completions", 0, "completion_status"), "ON_HOLD", "/completions/0/completion_status"),
        (("tickets", 0, "title"), "", "/tickets/0/title"),
        (("tasks", 0, "input_transform"), [1], "/tasks/0/input_transform"),
        (
            ("tasks", 0, "output_transform"),
            {"total": {"var": "body"}},
            "/tasks/0/output_transform/total",
        ),
        (("tasks", 0, "conditon"), None, "/tasks/0/conditon"),
    ],
)
def test_required_keys_types_and_ranges(path, value, pointer):
    b = good()
    target = b
    for key in path[:-1]:
        target = target[key]
    if value is None and path[-1] != "conditon":
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    assert pointer in problems(b)


def test_titles_are_unique_among_tasks_completions_and_tickets():
    b = good()
    b["tasks"][1]["title"] = b["tasks"][0]["title"]
    b["completions"][1]["title"] = b["completions"][0]["title"]
    b["tickets"].append(copy.deepcopy(b["tickets"][0]))
    found = problems(b)
    assert {"/tasks/1/title", "/completions/1/title", "/tickets/1/title"} <= set(found)


def test_fields_schema_is_checked_against_the_json_schema_meta_schema():
    b = bundle({"x": {"type": "integr"}, "y": {"minimum": "zero"}})
    found = problems(b)
    assert "/workflow/fields_schema/properties/x/type" in found
    assert "/workflow/fields_schema/properties/y/minimum" in found


def test_fields_schema_patterns_must_be_regular_expressions():
    b = bundle({"x": {"type": "string", "pattern": "["}, "y": {"patternProperties": {"(": {}}}})
    found = problems(b)
    assert "regex" in found["/workflow/fields_schema/properties/x/pattern"]
    assert "regex" in found["/workflow/fields_schema/properties/y/patternProperties"]


def test_fields_schema_patterns_must_be_ones_re2_runs():
    b = bundle(
        {
            "look": {"type": "string", "pattern": "^(?!admin).*$"},
            "back": {"patternProperties": {"(a)\\1": {}}},
            "fine": {"type": "string", "pattern": "^(a+)+$"},
        }
    )
    found = problems(b)
    base = "/workflow/fields_schema/properties/"
    assert "RE2" in found[base + "look/pattern"]
    assert "RE2" in found[base + "back/patternProperties/(a)\\1"]
    assert base + "fine/pattern" not in found
    assert "unevaluatedProperties" not in str(found)
    b["workflow"]["fields_schema"]["unevaluatedProperties"] = False
    assert "patternProperties" in problems(b)["/workflow/fields_schema/unevaluatedProperties"]


def test_fields_schema_checks_reach_properties_named_like_data_keywords():
    b = bundle(
        {
            "default": {"type": "string", "pattern": "^(?!x)"},
            "enum": {"$ref": "#/$defs/nope"},
        }
    )
    found = problems(b)
    base = "/workflow/fields_schema/properties/"
    assert "RE2" in found[base + "default/pattern"]
    assert "does not resolve" in found[base + "enum/$ref"]


def test_schema_and_id_stand_at_the_root_of_fields_schema_only():
    b = bundle(
        {
            "x": {"$schema": "https://json-schema.org/draft/2020-12/schema"},
            "y": {"$id": "urn:money", "type": "number"},
        }
    )
    b["workflow"]["fields_schema"]["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    found = problems(b)
    base = "/workflow/fields_schema/properties/"
    assert "root" in found[base + "x/$schema"] and "root" in found[base + "y/$id"]
    assert "/workflow/fields_schema/$schema" not in found


def test_fields_schema_references_must_resolve_within_it():
    b = bundle(
        {
            "ok": {"$ref": "#/$defs/pos"},
            "anchor": {"$ref": "#pos"},
            "missing": {"$ref": "#/$defs/nope"},
            "remote": {"$ref": "http://127.0.0.1:9/schema.json"},
            "file": {"$ref": "file:///etc/passwd"},
            "dynamic": {"$dynamicRef": "#meta"},
            "data": {"const": {"$ref": "http://not.a.reference/"}},
        }
    )
    b["workflow"]["fields_schema"]["$defs"] = {"pos": {"$anchor": "pos", "minimum": 0}}
    found = {k: v for k, v in problems(b).items() if k.startswith("/workflow")}
    base = "/workflow/fields_schema/properties/"
    assert set(found) == {
        base + "missing/$ref",
        base + "remote/$ref",
        base + "file/$ref",
        base + "dynamic/$dynamicRef",
    }
    assert "does not resolve within fields_schema" in found[base + "remote/$ref"]


def test_fields_schema_must_be_an_object_schema_with_properties():
    b = bundle(["x"])
    b["workflow"]["fields_schema"] = {"type": "array"}
    found = problems(b)
    assert "/workflow/fields_schema/type" in found
    assert "/workflow/fields_schema/properties" in found


def test_field_names_must_be_schema_properties_and_dollar_is_illegal():
    b = bundle(["x", "$"], [task("A", ["x", "y"], ["x"])], [completion("C", ["zz"])])
    found = problems(b)
    assert "/workflow/fields_schema/properties/$" in found
    assert "/tasks/0/input_fields/1" in found
    assert "/completions/0/fields/0" in found


def test_unknown_operator_in_a_transform_is_a_problem_with_its_pointer():
    b = good()
    b["tasks"][0]["input_transform"]["lines"] = {"map": [{"var": "items"}, {"nope": []}]}
    assert any(p.startswith("/tasks/0/input_transform/lines") for p in problems(b))


def deep(n: int) -> dict:
    expr: dict = {"var": "x"}
    for _ in range(n):
        expr = {"!": [expr]}
    return expr


def test_expression_nested_10000_deep_is_a_problem_not_a_recursion_error():
    b = bundle(["x"], [task("A", ["x"], [], deep(10_000))])
    assert "/tasks/0/condition" in problems(b)


def test_expression_megabytes_long_is_a_problem_not_a_crash():
    huge = {"in": [{"var": "x"}, [f"v{i}" for i in range(300_000)]]}
    b = bundle(["x"], [task("A", ["x"], [], huge)])
    found = problems(b)
    assert found and all(p.startswith("/tasks/0/condition") for p in found)


@pytest.mark.parametrize("document", [None, [], "x", 3, {"format": None, "tasks": "x"}])
def test_any_json_gives_problems_never_an_exception(document):
    assert validate(document, EVALUATOR)


def test_compile_raises_invalid_bundle_with_every_problem():
    b = good()
    b["format"] = "x"
    b["tasks"][0]["task_type"] = "x"
    with pytest.raises(InvalidBundle) as raised:
        compile_bundle(b, EVALUATOR)
    assert len(raised.value.problems) == 2


@pytest.mark.parametrize("value", [0, -5, "ten", 2.5, True])
def test_a_callback_deadline_must_be_a_positive_integer(value):
    b = good()
    b["tasks"][2]["callback_timeout_seconds"] = value  # Ship order: an ASYNC_ACTION
    assert "/tasks/2/callback_timeout_seconds" in problems(b)


def test_a_callback_deadline_applies_to_async_actions_only():
    b = good()
    b["tasks"][2]["callback_timeout_seconds"] = 3600
    assert problems(b) == {}
    b["tasks"][0]["callback_timeout_seconds"] = 3600  # Price order: a SYNC_ACTION
    assert "ASYNC_ACTION tasks only" in problems(b)["/tasks/0/callback_timeout_seconds"]


@pytest.mark.parametrize("value", [0, 59, 365 * 24 * 3600 + 1, "60", 60.0, False, None])
def test_a_deadline_is_an_integer_from_a_minute_to_a_year(value):
    b = good()
    b["tasks"][1]["deadline_seconds"] = value  # Approve large order: a FORM
    found = problems(b)
    if value is None:
        assert found == {}
    else:
        assert set(found) == {"/tasks/1/deadline_seconds"}


def test_a_deadline_applies_to_tasks_done_by_people_only():
    b = good()
    b["tasks"][1]["deadline_seconds"] = 3600
    assert problems(b) == {}
    b["tasks"][0]["deadline_seconds"] = 3600  # Price order: a SYNC_ACTION
    assert "tasks done by people" in problems(b)["/tasks/0/deadline_seconds"]
