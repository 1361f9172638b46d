"""A ticket whose workflow cannot start is kept NOT_STARTED with a WORKFLOW_CREATION
error (traces for ticket admins only), and a ticket admin starts it once it can run."""

from __future__ import annotations

import pytest

from kernel.problems import InvalidBundle, Problem


@pytest.fixture
def broken_definition(monkeypatch):
    """Every workflow's stored definition stops compiling (a plugin was disabled, say);
    calling the fixture makes them compile again."""
    from ticketflower.runs import compiled as cache

    cache.clear_cache()
    real = cache.compile_definition

    def broken(bundle):
        raise InvalidBundle([Problem("/tasks/1/task_type", "unknown task type 'X'")])

    monkeypatch.setattr(cache, "compile_definition", broken)

    def repair() -> None:
        monkeypatch.setattr(cache, "compile_definition", real)
        cache.clear_cache()

    yield repair
    cache.clear_cache()


def _errors(client, ticket: int) -> list[dict]:
    answer = client.get(f"/api/v1/ticket-errors/?ticket={ticket}")
    assert answer.status_code == 200, answer.json()
    return answer.json()["results"]


def test_a_ticket_whose_definition_no_longer_compiles_is_kept_and_started_later(
    expense, broken_definition
):
    answer = expense.submit({"amount": 12, "title": "train"})
    assert answer.status_code == 201, answer.json()
    ticket = answer.json()
    assert ticket["workflow_instance"]["status"] == "NOT_STARTED"
    assert ticket["tasks"] == []
    [error] = _errors(expense.admin, ticket["id"])
    assert error["error_type"] == "WORKFLOW_CREATION"
    assert "/tasks/1/task_type: unknown task type 'X'" in error["error_message"]
    assert error["stack_trace"] is None  # not an unexpected failure: no trace
    instance = ticket["workflow_instance"]["id"]
    start = f"/api/v1/workflow-instances/{instance}/start/"
    # Still broken: the start is refused and changes nothing.
    assert expense.admin.post(start).status_code == 409

    broken_definition()
    assert expense.submitter.post(start).status_code == 403
    answer = expense.admin.post(start)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["iteration"] == 0
    assert [t["title"] for t in answer.json()["started"]] == ["Review"]
    history = expense.history(ticket["id"])
    assert history["status"] == "IN_PROGRESS"
    assert history["iterations"][0]["data"] == {"amount": 12, "title": "train"}
    # Started once only.
    assert expense.admin.post(start).status_code == 409


def test_an_unexpected_failure_records_its_trace_for_ticket_admins_only(
    alpha, beta, expense, monkeypatch
):
    from ticketflower.runs import engine

    def crash(definition, state, event):
        raise RuntimeError("evaluator exploded")

    monkeypatch.setattr(engine, "step", crash)
    answer = expense.submit({"amount": 5})
    assert answer.status_code == 201, answer.json()
    ticket = answer.json()["id"]
    [seen_by_admin] = _errors(expense.admin, ticket)
    assert seen_by_admin["error_type"] == "WORKFLOW_CREATION"
    assert "RuntimeError: evaluator exploded" in seen_by_admin["error_message"]
    assert "Traceback" in seen_by_admin["stack_trace"]
    assert "evaluator exploded" in seen_by_admin["stack_trace"]
    # The submitter sees the error of their ticket, not the trace.
    [seen_by_submitter] = _errors(expense.submitter, ticket)
    assert seen_by_submitter["error_message"] == seen_by_admin["error_message"]
    assert seen_by_submitter["stack_trace"] is None
    one = expense.submitter.get(f"/api/v1/ticket-errors/{seen_by_admin['id']}/").json()
    assert one["stack_trace"] is None
    # Another company's admin does not see it at all.
    other = beta.client("boss", "ticket_admin")
    assert other.get(f"/api/v1/ticket-errors/{seen_by_admin['id']}/").status_code == 404

    # Still failing: the start records one more error and the ticket stays NOT_STARTED.
    instance = expense.admin.get(f"/api/v1/tickets/{ticket}/").json()["workflow_instance"]["id"]
    answer = expense.admin.post(f"/api/v1/workflow-instances/{instance}/start/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["workflow_instance"]["status"] == "NOT_STARTED"
    assert [e["error_type"] for e in answer.json()["errors"]] == ["WORKFLOW_CREATION"]
    assert len(_errors(expense.admin, ticket)) == 2


def test_a_workflow_that_never_started_takes_no_correction_and_can_be_cancelled(
    expense, broken_definition
):
    ticket = expense.submit({"amount": 1}).json()
    instance = ticket["workflow_instance"]["id"]
    base = f"/api/v1/workflow-instances/{instance}"
    answer = expense.admin.post(f"{base}/write/", {"data": {"amount": 2}}, format="json")
    assert answer.status_code == 409
    assert "not started" in answer.json()["detail"]
    # Its history is readable (no iteration yet), not a 500.
    history = expense.admin.get(f"/api/v1/tickets/{ticket['id']}/history/")
    assert history.status_code == 200, history.json()
    assert history.json()["iterations"] == []
    answer = expense.admin.post(f"{base}/cancel/")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["workflow_instance"]["status"] == "CANCELLED"
    broken_definition()
    assert expense.admin.post(f"{base}/start/").status_code == 409


def test_fields_that_postgresql_cannot_store_are_refused_even_unstarted(expense, broken_definition):
    answer = expense.submit({"title": "a\u0000b"})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/fields/title"
