"""The task inbox: claim, complete, assign, unassign, retry, cancel (docs/runs-api.md)."""

from __future__ import annotations

from django_tenants.utils import schema_context


def _review(expense, ticket):
    return next(t for t in expense.tasks(ticket) if t["title"] == "Review")


def test_form_claim_and_complete_flow(alpha, expense):
    ticket = expense.submit({"title": "Taxi", "amount": 30}).json()["id"]
    review = _review(expense, ticket)
    person = alpha.client("reviewer", "staff")

    claimable = person.get("/api/v1/tasks/?claimable=true").json()["results"]
    assert review["id"] in {t["id"] for t in claimable}
    answer = person.post(f"/api/v1/tasks/{review['id']}/claim/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "IN_PROGRESS"
    assert answer.json()["assigned_to"] == {"id": alpha.user("reviewer").pk, "username": "reviewer"}
    mine = person.get("/api/v1/tasks/?assigned=me").json()["results"]
    assert [t["id"] for t in mine] == [review["id"]]
    assert review["id"] not in {
        t["id"] for t in person.get("/api/v1/tasks/?claimable=true").json()["results"]
    }
    # Someone else cannot claim it again, nor complete it.
    other = alpha.client("other", "staff")
    assert other.post(f"/api/v1/tasks/{review['id']}/claim/").status_code == 409
    answer = other.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {"approved": True}}, format="json"
    )
    assert answer.status_code == 403

    answer = person.post(
        f"/api/v1/tasks/{review['id']}/complete/",
        {"output": {"approved": True, "comment": None}},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["task"]["status"] == "COMPLETED"
    assert body["task"]["end_iteration"] == 1
    assert body["task"]["output"] == {"approved": True, "comment": None}
    assert body["iteration"] == 1
    assert [t["title"] for t in body["started"]] == ["Archive"]
    assert body["started"][0]["status"] == "PENDING"
    assert body["workflow_instance"]["iteration"] == 1

    # Idempotent: a second completion is a 409 and changes nothing.
    again = person.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {"approved": False}}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["type"] == "conflict"
    history = expense.history(ticket)
    assert len(history["iterations"]) == 2
    assert history["iterations"][1]["data"]["approved"] is True


def test_invalid_output_is_400_with_pointers_and_changes_nothing(alpha, expense):
    ticket = expense.submit({"amount": 30}).json()["id"]
    review = _review(expense, ticket)
    person = alpha.client("reviewer", "staff")
    person.post(f"/api/v1/tasks/{review['id']}/claim/")
    answer = person.post(
        f"/api/v1/tasks/{review['id']}/complete/",
        {"output": {"approved": "yes", "amount": 3, "nope": 1}},
        format="json",
    )
    assert answer.status_code == 400
    pointers = sorted(p["pointer"] for p in answer.json()["errors"])
    assert pointers == ["/output/amount", "/output/approved", "/output/nope"]
    for body in ({"output": [1]}, {}, {"output": {}, "x": 1}):
        answer = person.post(f"/api/v1/tasks/{review['id']}/complete/", body, format="json")
        assert answer.status_code == 400, body
    task = person.get(f"/api/v1/tasks/{review['id']}/").json()
    assert task["status"] == "IN_PROGRESS"
    assert len(expense.history(ticket)["iterations"]) == 1


def test_an_empty_output_makes_an_iteration_that_triggers_nothing(alpha, expense):
    ticket = expense.submit({"amount": 30}).json()["id"]
    review = _review(expense, ticket)
    answer = expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {}}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["started"] == []
    history = expense.history(ticket)
    assert history["status"] == "ON_HOLD"  # stalled: no active task
    assert [e["type"] for e in history["errors"]] == ["WORKFLOW_TRANSITION"]


def test_assign_and_unassign(alpha, expense):
    ticket = expense.submit({"amount": 30}).json()["id"]
    review = _review(expense, ticket)
    worker = alpha.user("assignee", "staff")
    staff = alpha.client("assignee", "staff")
    # Only a ticket_admin assigns.
    answer = staff.post(f"/api/v1/tasks/{review['id']}/assign/", {"user": worker.pk}, format="json")
    assert answer.status_code == 403
    # Whether the user id exists or not: the same answer (no probing of user ids).
    answer = staff.post(f"/api/v1/tasks/{review['id']}/assign/", {"user": 10**9}, format="json")
    assert answer.status_code == 403
    answer = expense.admin.post(
        f"/api/v1/tasks/{review['id']}/assign/", {"user": 10**9}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/user"
    answer = expense.admin.post(
        f"/api/v1/tasks/{review['id']}/assign/", {"user": worker.pk}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["status"], answer.json()["assigned_to"]["id"]) == (
        "IN_PROGRESS",
        worker.pk,
    )
    # The assignee gives it back: claimable again, and someone else claims it.
    answer = staff.post(f"/api/v1/tasks/{review['id']}/unassign/")
    assert answer.status_code == 200
    assert answer.json()["assigned_to"] is None
    assert staff.post(f"/api/v1/tasks/{review['id']}/unassign/").status_code == 403
    assert expense.admin.post(f"/api/v1/tasks/{review['id']}/unassign/").status_code == 409
    other = alpha.client("other", "staff")
    claimable = other.get("/api/v1/tasks/?claimable=true").json()["results"]
    assert review["id"] in {t["id"] for t in claimable}
    answer = other.post(f"/api/v1/tasks/{review['id']}/claim/")
    assert answer.status_code == 200
    assert answer.json()["assigned_to"]["id"] == alpha.user("other").pk
    # An action task cannot be claimed by people.
    expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {"approved": True}}, format="json"
    )
    archive = next(t for t in expense.tasks(ticket) if t["title"] == "Archive")
    assert other.post(f"/api/v1/tasks/{archive['id']}/claim/").status_code == 409


def test_fail_retry_and_complete_an_action(alpha, expense):
    from ticketflower.runs.services import do_complete_task, do_fail_task, do_start_task

    ticket = expense.submit({"amount": 30}).json()["id"]
    review = _review(expense, ticket)
    expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {"approved": True}}, format="json"
    )
    archive = next(t for t in expense.tasks(ticket) if t["title"] == "Archive")
    with schema_context("alpha"):
        do_start_task(archive["id"])
        do_fail_task(archive["id"], "archive service said 400")
    task = expense.admin.get(f"/api/v1/tasks/{archive['id']}/").json()
    assert task["status"] == "ERROR"
    history = expense.history(ticket)
    assert history["status"] == "ON_HOLD"
    assert [e["type"] for e in history["errors"]] == ["TASK_UPDATE", "WORKFLOW_TRANSITION"]

    staff = alpha.client("reviewer", "staff")
    assert staff.post(f"/api/v1/tasks/{archive['id']}/retry/").status_code == 403
    answer = expense.admin.post(f"/api/v1/tasks/{archive['id']}/retry/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["task"]["status"] == "PENDING"
    assert answer.json()["task"]["start_iteration"] == 1
    assert answer.json()["workflow_instance"]["status"] == "IN_PROGRESS"
    assert expense.admin.post(f"/api/v1/tasks/{archive['id']}/retry/").status_code == 409

    with schema_context("alpha"):
        result = do_complete_task(archive["id"], {"archived": True})
        assert result.instance.status == "COMPLETED"
    history = expense.history(ticket)
    assert (history["status"], history["completion"]) == ("COMPLETED", "Done")
    # Terminal: no completion, retry or cancel changes anything any more.
    assert expense.admin.post(f"/api/v1/tasks/{archive['id']}/cancel/").status_code == 409


def test_cancel_a_task(alpha, expense):
    ticket = expense.submit({"amount": 30}).json()["id"]
    review = _review(expense, ticket)
    staff = alpha.client("reviewer", "staff")
    assert staff.post(f"/api/v1/tasks/{review['id']}/cancel/").status_code == 403
    answer = expense.admin.post(f"/api/v1/tasks/{review['id']}/cancel/")
    assert answer.status_code == 200
    assert answer.json()["task"]["status"] == "CANCELLED"
    assert answer.json()["workflow_instance"]["status"] == "ON_HOLD"
    assert expense.admin.post(f"/api/v1/tasks/{review['id']}/cancel/").status_code == 409


def test_worker_functions_are_idempotent(alpha, expense):
    from ticketflower.api.errors import Conflict
    from ticketflower.runs.services import do_complete_task, do_fail_task, do_start_task

    ticket = expense.submit({"amount": 30}).json()["id"]
    review = _review(expense, ticket)
    with schema_context("alpha"):
        do_start_task(review["id"])
        for call in (lambda: do_start_task(review["id"]),):
            try:
                call()
            except Conflict:
                pass
            else:
                raise AssertionError("a second start must be refused")
        do_complete_task(review["id"], {"approved": False})
        for call in (
            lambda: do_complete_task(review["id"], {"approved": True}),
            lambda: do_fail_task(review["id"], "late"),
            lambda: do_start_task(review["id"]),
        ):
            try:
                call()
            except Conflict:
                pass
            else:
                raise AssertionError("a call on a finished task must be refused")
    history = expense.history(ticket)
    assert (history["status"], history["completion"]) == ("CANCELLED", "Refused")
    assert len(history["iterations"]) == 2
