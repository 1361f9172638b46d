"""Workflow instances: data per iteration, diff, an admin's correction, cancellation."""

from __future__ import annotations


def _instance(expense, ticket):
    return expense.admin.get(f"/api/v1/tickets/{ticket}/").json()["workflow_instance"]["id"]


def _review(expense, ticket):
    return next(t for t in expense.tasks(ticket) if t["title"] == "Review")


def test_data_and_diff(alpha, expense):
    ticket = expense.submit({"title": "Hotel", "amount": 300}).json()["id"]
    instance = _instance(expense, ticket)
    review = _review(expense, ticket)
    expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/",
        {"output": {"approved": True, "comment": "ok"}},
        format="json",
    )
    base = f"/api/v1/workflow-instances/{instance}"
    newest = expense.submitter.get(f"{base}/data/").json()
    assert newest["iteration"] == 1
    assert newest["source"] == {"task": "Review", "seq": 1}
    assert newest["task_instance"] == review["id"]
    assert newest["written"] == ["approved", "comment"]
    assert newest["data"] == {"title": "Hotel", "amount": 300, "approved": True, "comment": "ok"}
    assert newest["decisions"] == [
        {"completion": "Refused", "decision": "condition_false"},
        {"task": "Archive", "decision": "started", "seq": 2},
    ]
    first = expense.submitter.get(f"{base}/data/?iteration=0").json()
    assert first["source"] == {"ticket": "Expense claim"}
    assert first["decisions"] == [{"task": "Review", "decision": "started", "seq": 1}]
    for query, pointer in (("?iteration=7", "/iteration"), ("?iteration=-1", "/iteration")):
        answer = expense.submitter.get(f"{base}/data/{query}")
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["pointer"] == pointer
    assert expense.submitter.get(f"{base}/data/?iteration=x").status_code == 400
    assert expense.submitter.get(f"{base}/data/?bogus=1").status_code == 400

    diff = expense.submitter.get(f"{base}/diff/?from=0&to=1").json()
    assert diff == {
        "from_iteration": 0,
        "to_iteration": 1,
        "added": {"approved": True, "comment": "ok"},
        "removed": {},
        "changed": {},
        "written": ["approved", "comment"],
    }
    assert expense.submitter.get(f"{base}/diff/").json() == diff  # default: newest vs before
    back = expense.submitter.get(f"{base}/diff/?from=1&to=0").json()
    assert back["removed"] == {"approved": True, "comment": "ok"}
    answer = expense.submitter.get(f"{base}/diff/?from=0&to=9")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/to"


def test_admin_correction_resumes_an_on_hold_workflow(alpha, expense):
    ticket = expense.submit({"amount": 300}).json()["id"]
    instance = _instance(expense, ticket)
    review = _review(expense, ticket)
    expense.admin.post(f"/api/v1/tasks/{review['id']}/cancel/")
    base = f"/api/v1/workflow-instances/{instance}"
    assert expense.admin.get(f"{base}/").json()["status"] == "ON_HOLD"

    # Only a ticket_admin corrects; bad corrections are 400 with pointers under /data.
    answer = expense.submitter.post(f"{base}/write/", {"data": {"amount": 1}}, format="json")
    assert answer.status_code == 403
    answer = expense.admin.post(
        f"{base}/write/", {"data": {"amount": -5, "nope": 1}}, format="json"
    )
    assert answer.status_code == 400
    assert sorted(p["pointer"] for p in answer.json()["errors"]) == ["/data/amount", "/data/nope"]
    assert expense.admin.post(f"{base}/write/", {"data": 3}, format="json").status_code == 400

    answer = expense.admin.post(f"{base}/write/", {"data": {"amount": 250}}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["iteration"] == 1
    assert body["workflow_instance"]["status"] == "IN_PROGRESS"
    assert [t["title"] for t in body["started"]] == ["Review"]
    data = expense.admin.get(f"{base}/data/").json()
    assert data["source"] == {"admin": alpha.user("boss").pk}
    assert data["created_by"] == {"id": alpha.user("boss").pk, "username": "boss"}


def test_cancel_the_workflow(alpha, expense):
    ticket = expense.submit({"amount": 300}).json()["id"]
    instance = _instance(expense, ticket)
    base = f"/api/v1/workflow-instances/{instance}"
    assert expense.submitter.post(f"{base}/cancel/").status_code == 403
    answer = expense.admin.post(f"{base}/cancel/")
    assert answer.status_code == 200
    assert answer.json()["workflow_instance"]["status"] == "CANCELLED"
    assert [t["status"] for t in expense.tasks(ticket)] == ["CANCELLED"]
    assert expense.admin.post(f"{base}/cancel/").status_code == 409
    answer = expense.admin.post(f"{base}/write/", {"data": {"amount": 1}}, format="json")
    assert answer.status_code == 409


def test_instances_list_and_filter(expense):
    ticket = expense.submit({"amount": 300}).json()["id"]
    instance = _instance(expense, ticket)
    listed = expense.submitter.get("/api/v1/workflow-instances/?status=IN_PROGRESS").json()
    assert instance in {i["id"] for i in listed["results"]}
    assert expense.submitter.get("/api/v1/workflow-instances/?status=NOPE").status_code == 400


def test_explain_why_a_task_did_or_did_not_run(alpha, expense):
    ticket = expense.submit({"amount": 300}).json()["id"]
    instance = _instance(expense, ticket)
    review = _review(expense, ticket)
    expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {"approved": False}}, format="json"
    )
    base = f"/api/v1/workflow-instances/{instance}/explain/"
    answer = expense.submitter.get(f"{base}?task=Review")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["decisions"] == [{"iteration": 0, "decision": "started", "seq": 1}]
    assert "its condition held and it started" in answer.json()["lines"][0]
    archive = expense.submitter.get(f"{base}?task=Archive").json()
    assert archive["decisions"] == []
    assert any("completion 'Refused' fired" in line for line in archive["lines"])
    answer = expense.submitter.get(f"{base}?task=Nope")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/task"
    assert expense.submitter.get(base).status_code == 400
