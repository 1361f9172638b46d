"""Forms generated from JSON Schema: a list of records is a table of rows, not JSON."""

from __future__ import annotations

import json
from pathlib import Path

from django.http import QueryDict

ROOT = Path(__file__).resolve().parents[2]


def _order_schema() -> dict:
    bundle = json.loads((ROOT / "examples/order_fulfilment/bundle.json").read_text())
    schema = bundle["workflow"]["fields_schema"]
    return {**schema, "properties": {k: schema["properties"][k] for k in ("customer", "items")}}


def test_an_orders_lines_are_rows_of_typed_controls():
    from ticketflower.web.schema_forms import SchemaForm

    form = SchemaForm(_order_schema())
    assert list(form.fields) == ["customer"]
    [lines] = form.groups
    assert [c[0] for c in lines.columns] == ["sku", "qty"]
    assert len(lines.rows) == 5
    data = QueryDict(mutable=True)
    data.update({"customer": "Acme", "items-0-sku": "DESK-1", "items-0-qty": "3"})
    data.update({"items-2-sku": "CHAIR-2", "items-2-qty": "6", "items-1-sku": ""})
    form = SchemaForm(_order_schema(), data)
    assert form.is_valid(), form.errors
    assert form.values() == {
        "customer": "Acme",
        "items": [{"sku": "DESK-1", "qty": 3}, {"sku": "CHAIR-2", "qty": 6}],
    }


def test_a_required_list_without_lines_or_with_a_bad_number_is_refused():
    from ticketflower.web.schema_forms import SchemaForm

    form = SchemaForm(_order_schema(), QueryDict("customer=Acme"))
    assert not form.is_valid()
    assert form.non_field_errors() == ["Items: give at least one line."]
    form = SchemaForm(_order_schema(), QueryDict("customer=Acme&items-0-sku=A&items-0-qty=two"))
    assert not form.is_valid()
    assert form.non_field_errors() == ["Items, line 1: a value is not a number."]


def test_existing_lines_are_shown_for_a_correction():
    from ticketflower.web.schema_forms import SchemaForm

    form = SchemaForm(_order_schema(), initial={"items": [{"sku": "A", "qty": 1}]})
    first = form.groups[0].rows[0]
    assert [(name, value) for name, _, value in first] == [("items-0-sku", "A"), ("items-0-qty", 1)]


def test_a_field_defined_by_reference_gets_the_control_of_what_it_refers_to():
    from ticketflower.web.schema_forms import SchemaForm

    schema = {
        "type": "object",
        "$defs": {"money": {"type": "number", "exclusiveMinimum": 0}},
        "properties": {"amount": {"$ref": "#/$defs/money", "description": "In euros"}},
        "required": ["amount"],
    }
    form = SchemaForm(schema, {"amount": "120.5"})
    assert form.is_valid(), form.errors
    assert form.values() == {"amount": 120.5}
    assert form.fields["amount"].help_text == "In euros"
    assert 'type="number"' in str(form["amount"])
