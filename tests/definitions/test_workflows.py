"""Workflow CRUD, filters, ordering and the inline detail."""

from __future__ import annotations

from tests.definitions.data import sample_bundle

SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "number"}}}


def create(client, **fields):
    body = {"title": "W", "fields_schema": SCHEMA, **fields}
    answer = client.post("/api/v1/workflows/", body, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_create_makes_a_draft_version_1_owned_by_the_creator(designer):
    workflow = create(designer, title="Onboarding", description="New hires")
    assert workflow["status"] == "DRAFT"
    assert workflow["version"] == 1
    assert workflow["max_iterations"] == 1000
    assert workflow["created_by"]["username"] == "designer"
    assert workflow["url"].endswith(f"/api/v1/workflows/{workflow['id']}/")


def test_update_and_partial_update_change_a_draft(designer):
    workflow = create(designer)
    url = f"/api/v1/workflows/{workflow['id']}/"
    answer = designer.patch(url, {"description": "changed", "max_iterations": 5}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["description"] == "changed"
    body = {"title": "Renamed", "fields_schema": SCHEMA, "ext_ref": [{"label": "L", "uri": "u"}]}
    answer = designer.put(url, body, format="json")
    assert answer.status_code == 200, answer.json()
    again = designer.get(url).json()
    assert again["title"] == "Renamed"
    assert again["ext_ref"] == [{"label": "L", "uri": "u"}]


def test_delete_removes_a_draft_and_its_parts(designer, imported):
    workflow = imported()
    assert designer.delete(f"/api/v1/workflows/{workflow['id']}/").status_code == 204
    assert designer.get(f"/api/v1/workflows/{workflow['id']}/").status_code == 404
    tasks = designer.get(f"/api/v1/task-definitions/?workflow={workflow['id']}").json()
    assert tasks["count"] == 0


def test_invalid_fields_are_all_reported_with_pointers(designer):
    body = {
        "title": "",
        "fields_schema": {"type": "array"},
        "ext_ref": [{"label": "x"}],
        "max_iterations": 0,
    }
    answer = designer.post("/api/v1/workflows/", body, format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert {"/title", "/max_iterations"} <= pointers
    # Shape-valid values then go through the kernel's rules.
    body = {"title": "W", "fields_schema": {"type": "array"}, "ext_ref": [{"label": "x"}]}
    answer = designer.post("/api/v1/workflows/", body, format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert "/fields_schema/type" in pointers
    assert "/ext_ref/0/uri" in pointers


def test_detail_shows_tasks_completions_and_tickets_inline_in_definition_order(designer, imported):
    workflow = imported()
    detail = designer.get(f"/api/v1/workflows/{workflow['id']}/").json()
    assert [t["title"] for t in detail["tasks"]] == ["Quote", "Approve", "Ship"]
    assert [t["position"] for t in detail["tasks"]] == [0, 1, 2]
    assert [c["title"] for c in detail["completions"]] == ["Delivered", "Rejected"]
    assert [t["title"] for t in detail["tickets"]] == ["Order"]
    assert detail["tasks"][0]["input_transform"] == {"lines": {"var": "items"}}
    assert detail["fields_schema"] == sample_bundle()["workflow"]["fields_schema"]


def test_list_filters_by_status_and_title_and_orders(designer, imported):
    first = imported()
    second = create(designer, title="Zebra crossing")
    designer.post(f"/api/v1/workflows/{first['id']}/activate/")

    def ids(query):
        answer = designer.get("/api/v1/workflows/" + query)
        assert answer.status_code == 200, answer.json()
        return [w["id"] for w in answer.json()["results"]]

    assert first["id"] in ids("?status=ACTIVE")
    assert second["id"] not in ids("?status=ACTIVE")
    assert second["id"] in ids("?status=DRAFT&title=zebra")
    assert ids("?title=zebra") == [second["id"]]
    assert ids("?search=Zebra") == [second["id"]]
    ordered = ids("?ordering=-title")
    assert ordered.index(second["id"]) < ordered.index(first["id"])
    assert designer.get("/api/v1/workflows/?status=NOPE").status_code == 400


def test_list_is_paginated(designer):
    for n in range(3):
        create(designer, title=f"P{n}")
    page = designer.get("/api/v1/workflows/?limit=2").json()
    assert len(page["results"]) == 2
    assert page["count"] >= 3
    assert page["next"]
