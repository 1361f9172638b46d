"""The bundle's JSON Schema agrees with the validator: every bundle the validator accepts
(the examples, the test suite's) the schema accepts, and every structural mistake —
a missing required key, a wrong type, an unknown key, a value out of its set — both
refuse (a property test over the examples)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kernel.bundle_schema import bundle_json_schema
from kernel.validation import validate
from plugins.bundles import initial_statuses, validate_bundle
from tests.definitions.data import sample_bundle
from tests.kernel.builders import EVALUATOR, bundle, completion, task

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(ROOT.glob("examples/*/bundle.json"))
SCHEMA = Draft202012Validator(bundle_json_schema(initial_statuses()))


def schema_accepts(b) -> bool:
    return SCHEMA.is_valid(b)


def validator_accepts(b) -> bool:
    return validate_bundle(b) == []


def valid_bundles() -> list[dict]:
    built = bundle(
        {"a": {"type": "string"}, "b": {}},
        tasks=[task("T", ["a"], ["b"], condition={"==": [{"var": "a"}, "x"]})],
        completions=[completion("Done", ["b"])],
    )
    return [json.loads(p.read_text()) for p in EXAMPLES] + [sample_bundle(), built]


@pytest.mark.parametrize("b", valid_bundles(), ids=lambda b: b["workflow"]["title"])
def test_every_bundle_the_validator_accepts_the_schema_accepts(b):
    assert validate(b, EVALUATOR) == [] and validator_accepts(b)
    assert schema_accepts(b), [e.message for e in SCHEMA.iter_errors(b)]


def test_examples_name_the_schema_and_stay_valid():
    for path in EXAMPLES:
        b = json.loads(path.read_text())
        assert b.get("$schema", "").endswith("docs/bundle.schema.json"), path
        assert validator_accepts(b)


def test_the_published_schema_file_is_the_generated_one():
    published = json.loads((ROOT / "docs" / "bundle.schema.json").read_text())
    assert published == bundle_json_schema(initial_statuses())


# Structural mistakes, each at a place in a bundle: both must refuse them.
WRONG = [1, "x", True, None, [], {}]
PARTS = {
    "workflow": ["title", "fields_schema", "max_iterations", "description", "ext_ref"],
    "tasks": ["title", "task_type", "input_fields", "output_fields", "timeout_seconds",
              "roles", "description", "input_transform"],
    "completions": ["title", "completion_status", "fields", "description"],
    "tickets": ["title", "fields", "company_role_access", "description"],
}  # fmt: skip
REQUIRED = {
    "workflow": {"title", "fields_schema"},
    "tasks": {"title", "task_type", "input_fields", "output_fields"},
    "completions": {"title", "completion_status", "fields"},
    "tickets": {"title", "fields"},
}
# The type each key must have (a wrong value is one of WRONG of another type).
TYPES = {
    "title": str, "fields_schema": dict, "max_iterations": (int, type(None)),
    "description": (str, type(None)),
    "ext_ref": (list, type(None)), "task_type": str, "input_fields": list,
    "output_fields": list, "timeout_seconds": (int, type(None)), "roles": (list, type(None)),
    "input_transform": (dict, type(None)), "completion_status": str, "fields": list,
    "company_role_access": (list, type(None)),
}  # fmt: skip


def _wrongly_typed(key: str, value) -> bool:
    expected = TYPES[key]
    if isinstance(value, bool) and expected in (int, (int, type(None))):
        return True
    return not isinstance(value, expected)


@st.composite
def mistakes(draw):
    b = copy.deepcopy(draw(st.sampled_from([json.loads(p.read_text()) for p in EXAMPLES])))
    section = draw(st.sampled_from(sorted(PARTS)))
    target = b[section] if section == "workflow" else draw(st.sampled_from(b[section]))
    kind = draw(st.sampled_from(["drop", "type", "unknown", "top"]))
    if kind == "drop":
        key = draw(st.sampled_from(sorted(REQUIRED[section])))
        target.pop(key, None)
    elif kind == "type":
        key = draw(st.sampled_from(PARTS[section]))
        value = draw(st.sampled_from([w for w in WRONG if _wrongly_typed(key, w)]))
        target[key] = value
    elif kind == "unknown":
        target[draw(st.sampled_from(["colour", "Title", "x-extra"]))] = 1
    else:
        change = draw(st.sampled_from(["format", "workflow", "tasks", "unknown"]))
        if change == "format":
            b["format"] = "ticketflower.bundle/v0"
        elif change == "workflow":
            del b["workflow"]
        elif change == "tasks":
            b["tasks"] = {}
        else:
            b["steps"] = []
    return b


@settings(max_examples=300, deadline=None)
@given(mistakes())
def test_the_schema_and_the_validator_refuse_the_same_structural_mistakes(b):
    assert not validator_accepts(b)
    assert not schema_accepts(b)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(valid_bundles()), st.data())
def test_what_the_schema_refuses_the_validator_refuses(b, data):
    # Any value at any key of a task: the schema is never stricter than the validator.
    b = copy.deepcopy(b)
    if not b.get("tasks"):
        return
    key = data.draw(st.sampled_from(sorted(b["tasks"][0]) + ["callback_timeout_seconds"]))
    b["tasks"][0][key] = data.draw(st.sampled_from([*WRONG, 5, 0, -1, "http://x", ["a"]]))
    if not schema_accepts(b):
        assert not validator_accepts(b)
