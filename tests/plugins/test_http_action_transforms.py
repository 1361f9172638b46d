"""Input and output transforms of action tasks."""

import pytest

from plugins.http_action.transforms import TransformError, input_body, output_values
from plugins.manager import default_evaluator

EV = default_evaluator()


def test_null_input_transform_sends_the_input_fields():
    assert input_body(None, {"items": [1], "other": 2}, ["items", "missing"], EV) == {"items": [1]}


def test_input_transform_maps_keys_to_expressions_and_sees_callback_url():
    body = input_body(
        {"lines": {"var": "items"}, "reply_to": {"var": "$.callback_url"}},
        {"items": [1, 2]},
        ["items"],
        EV,
        extra={"callback_url": "http://x/cb"},
    )
    assert body == {"lines": [1, 2], "reply_to": "http://x/cb"}


def test_null_output_transform_takes_output_fields_present_in_the_body():
    answer = {"status": 200, "headers": {}, "body": {"quote": 5, "noise": 1}}
    assert output_values(None, answer, ["quote", "absent"], EV) == {"quote": 5}


def test_output_transform_reads_the_answer_context():
    answer = {"status": 201, "headers": {}, "body": {"total": 9}, "input": {}, "data": {}}
    out = output_values({"quote": {"var": "body.total"}, "code": {"var": "status"}}, answer, [], EV)
    assert out == {"quote": 9, "code": 201}


def test_failing_transform_names_its_key():
    with pytest.raises(TransformError, match="quote"):
        output_values({"quote": {"/": [1, 0]}}, {"body": {}}, ["quote"], EV)


def test_null_output_transform_needs_an_object_body():
    with pytest.raises(TransformError):
        output_values(None, {"body": [1]}, ["quote"], EV)
