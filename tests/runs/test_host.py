"""The plugin seam: notifications after commit, and the host's methods (plugins/host.py)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from plugins.host import TaskNotActive, get_host
from plugins.types import TaskEvent


@pytest.fixture
def heard(monkeypatch):
    """The (moment, event) pairs a step tells plugins."""
    from ticketflower.runs import notifications

    calls: list[tuple[str, TaskEvent]] = []
    monkeypatch.setattr(notifications, "notify", lambda moment, e: calls.append((moment, e)))
    return calls


def test_plugins_hear_of_tasks_after_commit_only(
    expense, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = expense.submit({"amount": 5}).json()
    assert heard == []  # nothing before the commit
    for callback in callbacks:
        callback()
    task = ticket["tasks"][0]
    assert [(m, e.task_instance_id, e.task_type, e.task_title, e.status) for m, e in heard] == [
        ("started", task["id"], "FORM", "Review", "OPEN")
    ]
    assert heard[0][1].schema_name == "alpha"
    assert heard[0][1].workflow_instance_id == ticket["workflow_instance"]["id"]

    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        expense.admin.post(
            f"/api/v1/tasks/{task['id']}/complete/", {"output": {"approved": True}}, format="json"
        )
    assert [(m, e.task_title, e.status) for m, e in heard] == [
        ("completed", "Review", "COMPLETED"),
        ("started", "Archive", "PENDING"),
    ]
    archive = heard[1][1]
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True), schema_context("alpha"):
        from ticketflower.runs.services import do_fail_task

        do_fail_task(archive.task_instance_id, "down")
    assert [(m, e.task_title, e.status) for m, e in heard] == [("failed", "Archive", "ERROR")]


def test_a_failing_plugin_does_not_break_a_committed_step(expense, monkeypatch):
    from ticketflower.runs import notifications

    def broken(moment, event):
        raise RuntimeError("plugin bug")

    monkeypatch.setattr(notifications, "notify", broken)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = expense.submit({"amount": 5})
    assert answer.status_code == 201


def test_host_methods(expense, django_capture_on_commit_callbacks):
    ticket = expense.submit({"title": "Taxi", "amount": 5}).json()
    review = ticket["tasks"][0]
    expense.admin.post(
        f"/api/v1/tasks/{review['id']}/complete/", {"output": {"approved": True}}, format="json"
    )
    archive = next(t for t in expense.tasks(ticket["id"]) if t["title"] == "Archive")
    event = TaskEvent(
        schema_name="alpha",
        task_instance_id=archive["id"],
        task_type="SYNC_ACTION",
        task_title="Archive",
        workflow_instance_id=ticket["workflow_instance"]["id"],
        status="PENDING",
    )
    host = get_host()
    context = host.task_context(event)
    assert context["task"]["title"] == "Archive"
    assert context["task"]["action_url"] == "https://archive.example.com/"
    assert context["input"] == {"title": "Taxi", "amount": 5, "approved": True}
    assert context["data"] == context["input"]
    assert context["ticket"]["id"] == ticket["id"]
    assert context["ticket"]["definition"] == "Expense claim"

    host.start_task(event)
    with pytest.raises(TaskNotActive):
        host.start_task(event)
    host.complete_task(event, {"archived": True})
    with pytest.raises(TaskNotActive):
        host.complete_task(event, {"archived": True})
    with pytest.raises(TaskNotActive):
        host.fail_task(event, "late")
    history = expense.history(ticket["id"])
    assert (history["status"], history["completion"]) == ("COMPLETED", "Done")


def test_complete_later_sends_after_commit(
    expense, monkeypatch, django_capture_on_commit_callbacks
):
    from ticketflower.runs import actors

    sent = []
    monkeypatch.setattr(actors.complete_task, "send", lambda *args: sent.append(args))
    event = TaskEvent("alpha", 7, "COMPUTE", "X", 1, "PENDING")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        get_host().complete_later(event, {"x": 1})
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [(7, {"x": 1})]


def test_the_actor_fails_an_invalid_output_and_ignores_a_finished_task(expense):
    from ticketflower.runs.actors import complete_task

    ticket = expense.submit({"amount": 5}).json()
    review = ticket["tasks"][0]
    with schema_context("alpha"):
        complete_task.fn(review["id"], {"approved": "not a boolean"})
    task = expense.admin.get(f"/api/v1/tasks/{review['id']}/").json()
    assert task["status"] == "ERROR"
    errors = expense.history(ticket["id"])["errors"]
    assert errors[0]["type"] == "TASK_UPDATE"
    assert errors[0]["message"].startswith("invalid output: /output/approved")
    with schema_context("alpha"):
        complete_task.fn(review["id"], {"approved": True})  # not active: nothing happens
    assert expense.admin.get(f"/api/v1/tasks/{review['id']}/").json()["status"] == "ERROR"


def test_fail_with_task_creation_type(expense):
    from ticketflower.runs.services import do_fail_task

    ticket = expense.submit({"amount": 5}).json()
    with schema_context("alpha"):
        result = do_fail_task(
            ticket["tasks"][0]["id"], "input transform failed", error_type="TASK_CREATION"
        )
    assert [e.error_type for e in result.errors] == ["TASK_CREATION", "WORKFLOW_TRANSITION"]
    assert [e["type"] for e in expense.history(ticket["id"])["errors"]] == [
        "TASK_CREATION",
        "WORKFLOW_TRANSITION",
    ]


@pytest.mark.parametrize("action", ["complete", "fail", "start"])
def test_an_unknown_task_instance_is_a_404_that_writes_nothing(expense, action):
    from ticketflower.api.errors import ProblemError
    from ticketflower.runs import services
    from ticketflower.runs.models import WorkflowData

    ticket = expense.submit({"amount": 5}).json()
    do = {
        "complete": lambda task: services.do_complete_task(task, {"approved": True}),
        "fail": lambda task: services.do_fail_task(task, "boom"),
        "start": lambda task: services.do_start_task(task),
    }[action]
    with schema_context("alpha"):
        before = WorkflowData.objects.count()
        with pytest.raises(ProblemError) as refused:
            do(ticket["tasks"][0]["id"] + 10_000)
        assert refused.value.status_code == 404
        assert WorkflowData.objects.count() == before
