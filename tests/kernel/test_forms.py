"""A form's schema and its required fields (kernel/forms.py)."""

from __future__ import annotations

from kernel.forms import form_schema, missing_required

SCHEMA = {
    "type": "object",
    "properties": {"b": {"type": "string"}, "a": {"type": "integer"}, "c": {"$ref": "#/$defs/x"}},
    "required": ["a", "c"],
    "$defs": {"x": {"type": "boolean"}},
}


def test_a_forms_schema_keeps_the_order_asked_its_required_fields_and_defs():
    schema = form_schema(SCHEMA, ["c", "b"])
    assert list(schema["properties"]) == ["c", "b"]
    assert schema["required"] == ["c"]
    assert schema["additionalProperties"] is False
    assert schema["$defs"] == SCHEMA["$defs"]


def test_missing_required_fields_are_named_at_their_pointer():
    problems = missing_required(SCHEMA, ["a", "b", "c"], {"b": "x"}, "/output", "task")
    assert [(p.pointer, p.message) for p in problems] == [
        ("/output/a", "Required: the task's form must give it."),
        ("/output/c", "Required: the task's form must give it."),
    ]
    assert missing_required(SCHEMA, ["a"], {"a": 1}, "/fields", "ticket") == []
    assert missing_required(SCHEMA, ["a"], [1], "/fields", "ticket") == []  # not an object
