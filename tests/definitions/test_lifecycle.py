"""DRAFT → ACTIVE → ARCHIVED, new versions, and the immutability of non-drafts (409)."""

from __future__ import annotations

import pytest

from tests.definitions.data import sample_bundle


def activate(client, workflow_id):
    return client.post(f"/api/v1/workflows/{workflow_id}/activate/")


def test_activate_a_valid_draft(designer, imported):
    workflow = imported()
    answer = activate(designer, workflow["id"])
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "ACTIVE"


def test_activate_refuses_an_invalid_draft_with_every_problem(designer, imported):
    workflow = imported()
    # Edits one at a time may leave a draft inconsistent: the schema loses 'quote'.
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array"}, "shipped": {}, "approved": {}},
    }
    answer = designer.patch(
        f"/api/v1/workflows/{workflow['id']}/", {"fields_schema": schema}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    answer = activate(designer, workflow["id"])
    assert answer.status_code == 409
    body = answer.json()
    assert body["type"] == "invalid_definition"
    pointers = {e["pointer"] for e in body["errors"]}
    # Quote's output, Approve's input and Ship's second input all name 'quote'.
    assert {
        "/tasks/0/output_fields/0",
        "/tasks/1/input_fields/0",
        "/tasks/2/input_fields/1",
    } <= pointers
    assert designer.get(f"/api/v1/workflows/{workflow['id']}/").json()["status"] == "DRAFT"


def test_analysis_reports_problems_of_an_invalid_draft_and_findings_of_a_valid_one(
    designer, imported
):
    workflow = imported()
    report = designer.get(f"/api/v1/workflows/{workflow['id']}/analysis/").json()
    assert report["valid"] is True
    assert report["problems"] == []
    assert isinstance(report["findings"], list)
    designer.patch(
        f"/api/v1/workflows/{workflow['id']}/",
        {"fields_schema": {"type": "object", "properties": {}}},
        format="json",
    )
    report = designer.get(f"/api/v1/workflows/{workflow['id']}/analysis/").json()
    assert report["valid"] is False
    assert report["problems"]
    assert report["findings"] == []


EDITS = [
    ("patch", "/api/v1/workflows/{w}/", {"description": "x"}),
    (
        "put",
        "/api/v1/workflows/{w}/",
        {"title": "x", "fields_schema": {"type": "object", "properties": {}}},
    ),
    ("delete", "/api/v1/workflows/{w}/", None),
    ("put", "/api/v1/workflows/{w}/bundle/", "bundle"),
    (
        "post",
        "/api/v1/task-definitions/",
        {
            "workflow": "{w}",
            "title": "T",
            "task_type": "FORM",
            "input_fields": [],
            "output_fields": [],
        },
    ),
    ("patch", "/api/v1/task-definitions/{t}/", {"description": "x"}),
    ("delete", "/api/v1/task-definitions/{t}/", None),
    (
        "post",
        "/api/v1/completions/",
        {"workflow": "{w}", "title": "C", "completion_status": "COMPLETED", "fields": ["items"]},
    ),
    ("patch", "/api/v1/completions/{c}/", {"description": "x"}),
    ("delete", "/api/v1/completions/{c}/", None),
    ("post", "/api/v1/ticket-definitions/", {"workflow": "{w}", "title": "K", "fields": []}),
    ("patch", "/api/v1/ticket-definitions/{k}/", {"description": "x"}),
    ("delete", "/api/v1/ticket-definitions/{k}/", None),
]


@pytest.mark.parametrize("final", ["ACTIVE", "ARCHIVED"])
@pytest.mark.parametrize(("method", "url", "body"), EDITS)
def test_every_edit_of_an_active_or_archived_workflow_is_a_409(
    designer, imported, final, method, url, body
):
    workflow = imported()
    assert activate(designer, workflow["id"]).status_code == 200
    if final == "ARCHIVED":
        assert designer.post(f"/api/v1/workflows/{workflow['id']}/archive/").status_code == 200
    ids = {
        "w": workflow["id"],
        "t": workflow["tasks"][0]["id"],
        "c": workflow["completions"][0]["id"],
        "k": workflow["tickets"][0]["id"],
    }
    if body == "bundle":
        body = sample_bundle()
    elif isinstance(body, dict):
        body = {k: (ids["w"] if v == "{w}" else v) for k, v in body.items()}
    answer = getattr(designer, method)(url.format(**ids), body, format="json")
    assert answer.status_code == 409, answer.json()
    assert answer.json()["type"] == "conflict"
    after = designer.get(f"/api/v1/workflows/{workflow['id']}/").json()
    assert after["status"] == final
    assert after["tasks"] == workflow["tasks"]
    assert after["tickets"] == workflow["tickets"]


def test_lifecycle_conflicts(designer, imported):
    workflow = imported()
    base = f"/api/v1/workflows/{workflow['id']}"
    assert designer.post(f"{base}/archive/").status_code == 200  # an abandoned draft
    assert designer.post(f"{base}/archive/").status_code == 409
    assert activate(designer, workflow["id"]).status_code == 409
    other = imported()
    assert activate(designer, other["id"]).status_code == 200
    assert activate(designer, other["id"]).status_code == 409


def test_new_version_copies_into_a_draft_with_the_next_version(designer, imported):
    workflow = imported()
    activate(designer, workflow["id"])
    answer = designer.post(f"/api/v1/workflows/{workflow['id']}/new-version/")
    assert answer.status_code == 201, answer.json()
    copy = answer.json()
    assert copy["id"] != workflow["id"]
    assert (copy["status"], copy["version"]) == ("DRAFT", 2)
    assert copy["lineage"] == workflow["lineage"]
    assert copy["previous_version"] == workflow["id"]
    export = designer.get(f"/api/v1/workflows/{copy['id']}/bundle/").json()
    assert export == designer.get(f"/api/v1/workflows/{workflow['id']}/bundle/").json()
    # A second copy, even of version 1, is numbered after the latest.
    third = designer.post(f"/api/v1/workflows/{workflow['id']}/new-version/").json()
    assert third["version"] == 3
    # The copy is editable; the original stays as it was.
    task = copy["tasks"][0]
    answer = designer.patch(
        f"/api/v1/task-definitions/{task['id']}/", {"title": "Price"}, format="json"
    )
    assert answer.status_code == 200
    original = designer.get(f"/api/v1/workflows/{workflow['id']}/").json()
    assert original["tasks"][0]["title"] == "Quote"


def test_activating_a_new_version_archives_the_active_one(designer, imported):
    workflow = imported()
    activate(designer, workflow["id"])
    copy = designer.post(f"/api/v1/workflows/{workflow['id']}/new-version/").json()
    assert activate(designer, copy["id"]).status_code == 200
    assert designer.get(f"/api/v1/workflows/{workflow['id']}/").json()["status"] == "ARCHIVED"
    lineage = designer.get(
        f"/api/v1/workflows/?lineage={workflow['lineage']}&ordering=version"
    ).json()
    assert [(w["version"], w["status"]) for w in lineage["results"]] == [
        (1, "ARCHIVED"),
        (2, "ACTIVE"),
    ]
