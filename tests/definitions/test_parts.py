"""Tasks, completions and ticket definitions: CRUD, ?workflow=ID, order and titles."""

from __future__ import annotations

import pytest

TASK = {
    "title": "Check",
    "task_type": "FORM",
    "input_fields": ["items"],
    "output_fields": ["quote"],
}
COMPLETION = {"title": "Done", "completion_status": "COMPLETED", "fields": ["shipped"]}
TICKET = {"title": "Request", "fields": ["items"], "company_role_access": ["sales"]}
KINDS = [
    ("/api/v1/task-definitions/", TASK, "tasks"),
    ("/api/v1/completions/", COMPLETION, "completions"),
    ("/api/v1/ticket-definitions/", TICKET, "tickets"),
]


@pytest.mark.parametrize(("url", "body", "section"), KINDS)
def test_crud_of_each_part(designer, imported, url, body, section):
    workflow = imported()
    created = designer.post(url, {**body, "workflow": workflow["id"]}, format="json")
    assert created.status_code == 201, created.json()
    part = created.json()
    assert part["created_by"]["username"] == "designer"
    assert part["position"] == len(workflow[section])  # appended last
    detail = f"{url}{part['id']}/"
    assert designer.get(detail).json()["title"] == body["title"]
    changed = designer.patch(detail, {"description": "why"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["description"] == "why"
    replaced = designer.put(
        detail, {**body, "workflow": workflow["id"], "title": "New"}, format="json"
    )
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["title"] == "New"
    assert designer.delete(detail).status_code == 204
    assert designer.get(detail).status_code == 404


@pytest.mark.parametrize(("url", "body", "section"), KINDS)
def test_filter_by_workflow(designer, imported, url, body, section):
    one, two = imported(), imported()
    listed = designer.get(f"{url}?workflow={one['id']}").json()["results"]
    assert [p["id"] for p in listed] == [p["id"] for p in one[section]]
    assert all(p["workflow"] == one["id"] for p in listed)
    assert two["id"] != one["id"]
    assert designer.get(f"{url}?workflow=abc").status_code == 400
    assert designer.get(f"{url}?workflow=99999999999999999999").status_code in (200, 400)


@pytest.mark.parametrize(("url", "body", "section"), KINDS)
def test_titles_are_unique_per_workflow(designer, imported, url, body, section):
    workflow = imported()
    taken = workflow[section][0]["title"]
    answer = designer.post(url, {**body, "title": taken, "workflow": workflow["id"]}, format="json")
    assert answer.status_code == 400
    assert {"pointer": "/title", "message": answer.json()["errors"][0]["message"]} in answer.json()[
        "errors"
    ]
    # The same title in another workflow is fine.
    other = imported()
    answer = designer.post(url, {**body, "workflow": other["id"]}, format="json")
    assert answer.status_code == 201


def test_position_inserts_and_the_others_shift(designer, imported):
    workflow = imported()
    answer = designer.post(
        "/api/v1/task-definitions/",
        {**TASK, "workflow": workflow["id"], "position": 0},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    listed = designer.get(f"/api/v1/task-definitions/?workflow={workflow['id']}").json()["results"]
    assert [(t["title"], t["position"]) for t in listed] == [
        ("Check", 0), ("Quote", 1), ("Approve", 2), ("Ship", 3)
    ]  # fmt: skip
    moved = designer.patch(
        f"/api/v1/task-definitions/{listed[0]['id']}/", {"position": 99}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["position"] == 3
    listed = designer.get(f"/api/v1/task-definitions/?workflow={workflow['id']}").json()["results"]
    assert [t["title"] for t in listed] == ["Quote", "Approve", "Ship", "Check"]
    designer.delete(f"/api/v1/task-definitions/{listed[0]['id']}/")
    listed = designer.get(f"/api/v1/task-definitions/?workflow={workflow['id']}").json()["results"]
    assert [(t["title"], t["position"]) for t in listed] == [
        ("Approve", 0),
        ("Ship", 1),
        ("Check", 2),
    ]


def test_kernel_rules_apply_to_a_part_with_pointers(designer, imported):
    workflow = imported()
    body = {
        **TASK,
        "workflow": workflow["id"],
        "task_type": "SYNC_ACTION",
        "input_fields": ["items", "nope"],
        "condition": {"no_such_op": [1]},
        "action_url": "ftp://x",
    }
    answer = designer.post("/api/v1/task-definitions/", body, format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert "/input_fields/1" in pointers
    assert "/action_url" in pointers
    assert any(p.startswith("/condition") for p in pointers)


def test_a_part_cannot_move_to_another_workflow(designer, imported):
    one, two = imported(), imported()
    task = one["tasks"][0]
    answer = designer.patch(
        f"/api/v1/task-definitions/{task['id']}/", {"workflow": two["id"]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/workflow"


def test_field_names_are_limited_to_100_characters(designer, imported):
    workflow = imported()
    body = {**TICKET, "workflow": workflow["id"], "company_role_access": ["x" * 101]}
    answer = designer.post("/api/v1/ticket-definitions/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/company_role_access/0"
