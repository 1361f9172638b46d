"""Value errors speak JSON, the language the client wrote: null, true, double quotes."""

from __future__ import annotations

import pytest

from kernel.workspace import check_writes, field_checks

SCHEMA = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "note": {"type": ["string", "null"], "maxLength": 3},
        "size": {"enum": ["S", "M", True, None]},
        "item": {
            "type": "object",
            "properties": {"sku": {"type": "string"}},
            "required": ["sku"],
            "additionalProperties": False,
        },
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 1},
        "code": {"type": "string", "pattern": "^[A-Z]+$"},
    },
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("count", None, 'null is not of type "integer"'),
        ("count", True, 'true is not of type "integer"'),
        ("count", {"a": False}, '{"a": false} is not of type "integer"'),
        ("note", 1, '1 is not of type "string", "null"'),
        ("note", "long", '"long" is too long'),
        ("size", "XL", '"XL" is not one of ["S", "M", true, null]'),
        ("item", {}, '"sku" is a required property'),
        (
            "item",
            {"sku": "a", "x": None},
            'Additional properties are not allowed ("x" was unexpected)',
        ),
        ("tags", ["a", "b"], '["a", "b"] is too long'),
        ("code", "ab", '"ab" does not match "^[A-Z]+$"'),
    ],
)
def test_value_errors_quote_values_as_json(field, value, message):
    assert field_checks(SCHEMA)[field](value) == message


def test_a_write_names_its_field_in_json_quotes():
    [problem] = check_writes(field_checks(SCHEMA), {"count": None}, None, "/data", "data")
    assert (problem.pointer, problem.message) == (
        "/data/count",
        'invalid value for "count": null is not of type "integer"',
    )
