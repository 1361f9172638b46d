"""A workflow's fields_schema comes back with its properties in the order written: forms
and the history show fields in that order."""

from __future__ import annotations

import json

from tests.runs.support import simple_bundle


def _written_order_bundle() -> dict:
    bundle = simple_bundle()
    properties = bundle["workflow"]["fields_schema"]["properties"]
    # Neither alphabetical nor by length (jsonb's order): the order a person chose.
    order = ["title", "amount", "comment", "approved", "archived"]
    nested = {"type": "object", "properties": {"zip": {}, "city": {}, "a": {}}}
    bundle["workflow"]["fields_schema"]["properties"] = {
        **{name: properties[name] for name in order},
        "address": nested,
    }
    return bundle


def test_properties_keep_their_written_order_through_the_api(designer):
    bundle = _written_order_bundle()
    written = list(bundle["workflow"]["fields_schema"]["properties"])
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 201, answer.json()
    workflow = answer.json()
    shown = designer.get(f"/api/v1/workflows/{workflow['id']}/").json()["fields_schema"]
    assert list(shown["properties"]) == written
    assert list(shown["properties"]["address"]["properties"]) == ["zip", "city", "a"]
    # The raw JSON text too (a client that does not keep key order still reads it so).
    raw = designer.get(f"/api/v1/workflows/{workflow['id']}/bundle/").content.decode()
    positions = [raw.index(json.dumps(name)) for name in written]
    assert positions == sorted(positions)
    copy = designer.post(f"/api/v1/workflows/{workflow['id']}/new-version/").json()
    assert list(copy["fields_schema"]["properties"]) == written
