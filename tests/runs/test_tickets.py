"""Ticket submission, listing and visibility (docs/runs-api.md)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.runs.support import Runner, install, simple_bundle


def counts(slug: str) -> dict[str, int]:
    from ticketflower.runs.models import (
        TaskInstance,
        TicketError,
        TicketInstance,
        WorkflowData,
        WorkflowInstance,
    )

    with schema_context(slug):
        return {
            model.__name__: model.objects.count()
            for model in (TicketInstance, WorkflowInstance, WorkflowData, TaskInstance, TicketError)
        }


def test_submission_starts_the_workflow(expense):
    answer = expense.submit({"title": "Train", "amount": 42.5})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["title"] == "Expense claim"
    assert body["workflow_instance"]["status"] == "IN_PROGRESS"
    assert body["workflow_instance"]["iteration"] == 0
    assert body["workflow_instance"]["ticket"] == body["id"]
    assert [(t["title"], t["status"], t["start_iteration"]) for t in body["tasks"]] == [
        ("Review", "OPEN", 0)
    ]
    assert body["tasks"][0]["ticket"] == body["id"]
    detail = expense.submitter.get(f"/api/v1/tickets/{body['id']}/").json()
    assert detail["tasks"] == body["tasks"]


def test_invalid_fields_are_refused_with_pointers_and_nothing_is_created(expense):
    before = counts("alpha")
    answer = expense.submit({"title": "x" * 60, "amount": -1, "approved": True, "bogus": 1})
    assert answer.status_code == 400
    body = answer.json()
    assert body["type"] == "validation_error"
    pointers = sorted(p["pointer"] for p in body["errors"])
    assert pointers == ["/fields/amount", "/fields/approved", "/fields/bogus", "/fields/title"]
    assert counts("alpha") == before


def test_bad_envelopes_are_400_never_500(expense):
    bad = [
        {},
        {"ticket_definition": "one", "fields": {}},
        {"ticket_definition": expense.tickets["Expense claim"], "fields": [1]},
        {"ticket_definition": expense.tickets["Expense claim"], "fields": {}, "extra": 1},
        {"ticket_definition": 10**9, "fields": {}},
    ]
    for body in bad:
        answer = expense.submitter.post("/api/v1/tickets/", body, format="json")
        assert answer.status_code == 400, (body, answer.json())
        assert answer.json()["errors"], body
    answer = expense.submitter.post("/api/v1/tickets/", "not json", content_type="application/json")
    assert answer.status_code == 400


def test_company_role_access_is_enforced(alpha, expense):
    outsider = alpha.client("outsider", "sales")
    answer = expense.submit({"amount": 1}, client=outsider)
    # Refused, saying which roles would allow it.
    assert answer.status_code == 403
    assert answer.json()["errors"] == [
        {
            "pointer": "/ticket_definition",
            "message": "Submitting 'Expense claim' needs one of the roles staff.",
        }
    ]
    nothing = outsider.post(
        "/api/v1/tickets/", {"ticket_definition": 10**9, "fields": {}}, format="json"
    )
    assert nothing.status_code == 400
    assert nothing.json()["errors"][0]["message"] == "No ticket definition 1000000000."
    # A ticket_admin may submit any ticket.
    assert expense.submit({"amount": 1}, client=expense.admin).status_code == 201


def test_an_archived_workflow_takes_no_ticket(alpha, expense):
    designer = alpha.client("designer", "workflow_creator")
    answer = designer.post(f"/api/v1/workflows/{expense.workflow['id']}/archive/")
    assert answer.status_code == 200
    answer = expense.submit({"amount": 1})
    assert answer.status_code == 409
    assert answer.json()["type"] == "conflict"


def test_users_see_their_tickets_and_those_of_their_roles(alpha, expense):
    mine = expense.submit({"amount": 1}).json()["id"]
    other_staff = alpha.client("colleague", "staff")
    theirs = expense.submit({"amount": 2}, client=other_staff).json()["id"]
    by_admin = expense.submit({"amount": 3}, client=expense.admin).json()["id"]
    stranger = alpha.client("stranger", "sales")

    def ids(client, query=""):
        answer = client.get(f"/api/v1/tickets/{query}")
        assert answer.status_code == 200
        return {t["id"] for t in answer.json()["results"]}

    assert {mine, theirs, by_admin} <= ids(expense.submitter)  # staff is in role access
    assert ids(stranger) == set()
    assert stranger.get(f"/api/v1/tickets/{mine}/").status_code == 404
    assert stranger.get(f"/api/v1/tickets/{mine}/history/").status_code == 404
    assert {mine, theirs, by_admin} <= ids(expense.admin)
    boss = expense.helper.user("boss", "ticket_admin").pk
    assert ids(expense.admin, f"?created_by={boss}") >= {by_admin}
    assert mine not in ids(expense.admin, f"?created_by={boss}")
    assert mine in ids(expense.admin, "?status=IN_PROGRESS")
    assert ids(expense.admin, "?status=COMPLETED") & {mine, theirs} == set()
    assert ids(expense.admin, f"?ticket_definition={expense.tickets['Expense claim']}") >= {mine}
    assert ids(expense.admin, "?created_after=2999-01-01T00:00:00Z") == set()
    assert expense.admin.get("/api/v1/tickets/?created_after=yesterday").status_code == 400
    assert expense.admin.get("/api/v1/tickets/?status=NOPE").status_code == 400


def test_the_creator_sees_a_ticket_after_losing_the_role(alpha):
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 1}).json()["id"]
    from django.contrib.auth.models import Group, User

    with schema_context("alpha"):
        User.objects.get(username="submitter").groups.remove(Group.objects.get(name="staff"))
    assert runner.submitter.get(f"/api/v1/tickets/{ticket}/").status_code == 200


def test_anonymous_gets_401(expense):
    anonymous = expense.helper.anonymous()
    assert anonymous.get("/api/v1/tickets/").status_code == 401
    assert anonymous.post("/api/v1/tickets/", {}, format="json").status_code == 401


def test_a_submission_that_stalls_records_its_error(alpha):
    from tests.runs.support import loop_bundle

    runner = Runner(alpha, install(alpha, loop_bundle()), "staff")
    answer = runner.submit({"n": 5000})  # the only task's condition is false
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["workflow_instance"]["status"] == "ON_HOLD"
    assert body["tasks"] == []
    history = runner.history(body["id"])
    assert history["iterations"][0]["decisions"] == [
        {"task": "Step", "decision": "condition_false"}
    ]
    assert [e["type"] for e in history["errors"]] == ["WORKFLOW_TRANSITION"]
    assert runner.submitter.get(f"/api/v1/tickets/{body['id']}/").json() == {**body, "tasks": []}


def test_a_submission_that_completes_at_once(alpha):
    from tests.runs.support import simple_bundle

    bundle = simple_bundle()
    bundle["completions"].insert(
        0, {"title": "Free", "completion_status": "COMPLETED", "fields": ["amount"],
            "condition": {"==": [{"var": "amount"}, 0]}},
    )  # fmt: skip
    runner = Runner(alpha, install(alpha, bundle), "staff")
    answer = runner.submit({"amount": 0})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["workflow_instance"]["status"], body["workflow_instance"]["completion"]) == (
        "COMPLETED",
        "Free",
    )
    assert body["tasks"] == []
    history = runner.history(body["id"])
    assert history["iterations"][0]["decisions"] == [{"completion": "Free", "decision": "fired"}]
    assert runner.submitter.get(f"/api/v1/tickets/{body['id']}/").json() == body
