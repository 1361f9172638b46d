"""Deadlines in lists, beyond tests/runs/test_deadlines.py: the deadline filters' time
zones and refusals, ordering with tasks without a deadline last both ways, tickets with
an overdue task, what a person sees, the scheduler's sweep of every company, and
schedulers sweeping at once announcing each task exactly once (docs/decision-due-dates.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.runs.support import Runner, install, simple_bundle

HOUR = 3600


def _bundle() -> dict:
    """The expense workflow whose Review (a FORM) must be done within an hour; Archive,
    an action, has no deadline."""
    bundle = simple_bundle()
    bundle["tasks"][0]["deadline_seconds"] = HOUR
    return bundle


@pytest.fixture
def timed(alpha) -> Runner:
    return Runner(alpha, install(alpha, _bundle()), "staff")


def _review(runner: Runner, amount: float = 1) -> dict:
    answer = runner.submit({"amount": amount})
    assert answer.status_code == 201, answer.json()
    return runner.oldest_active(answer.json()["id"], "Review")


def _set_deadline(slug: str, task_id: int, when: datetime | None) -> None:
    """Move a deadline (the clock cannot be: the sweep and the API read the real one)."""
    from ticketflower.runs.models import TaskInstance

    with schema_context(slug):
        TaskInstance.objects.filter(pk=task_id).update(deadline_at=when)


def _row(slug: str, task_id: int):
    from ticketflower.runs.models import TaskInstance

    with schema_context(slug):
        return TaskInstance.objects.get(pk=task_id)


def _ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.json()
    return [t["id"] for t in answer.json()["results"]]


def test_deadline_before_and_after_filter_by_the_deadline(timed):
    a, b, c = _review(timed), _review(timed), _review(timed)
    base = datetime(2030, 1, 1, tzinfo=UTC)
    for i, task in enumerate((a, b, c)):
        _set_deadline("alpha", task["id"], base + timedelta(days=i))
    admin = timed.admin
    middle = "2030-01-02T00:00:00Z"
    assert set(_ids(admin.get(f"/api/v1/tasks/?deadline_before={middle}"))) == {a["id"]}
    assert set(_ids(admin.get(f"/api/v1/tasks/?deadline_after={middle}"))) == {b["id"], c["id"]}
    answer = admin.get("/api/v1/tasks/?deadline_before=2030-01-02T00:00:00%2B05:00")
    assert set(_ids(answer)) == {a["id"]}  # an offset is understood
    answer = admin.get("/api/v1/tasks/?deadline_before=tomorrow")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/deadline_before"


def test_ordering_by_deadline_puts_tasks_without_one_last_both_ways(timed):
    none, later, sooner = _review(timed), _review(timed), _review(timed)
    _set_deadline("alpha", none["id"], None)
    _set_deadline("alpha", later["id"], timezone.now() + timedelta(hours=5))
    _set_deadline("alpha", sooner["id"], timezone.now() + timedelta(hours=1))
    admin = timed.admin
    rows = _ids(admin.get("/api/v1/tasks/?ordering=deadline_at"))
    assert rows == [sooner["id"], later["id"], none["id"]]
    rows = _ids(admin.get("/api/v1/tasks/?ordering=-deadline_at"))
    assert rows == [later["id"], sooner["id"], none["id"]]


def test_tickets_with_an_overdue_task_are_listed_apart(timed):
    late, fine = _review(timed), _review(timed)
    _set_deadline("alpha", late["id"], timezone.now() - timedelta(minutes=1))
    assert _ids(timed.admin.get("/api/v1/tickets/?overdue=true")) == [late["ticket"]]
    assert _ids(timed.admin.get("/api/v1/tickets/?overdue=false")) == [fine["ticket"]]
    # An ended task is not overdue: its ticket leaves the list.
    answer = timed.complete(late["ticket"], "Review", {"approved": False, "comment": None})
    assert answer.status_code == 200, answer.json()
    assert _ids(timed.admin.get("/api/v1/tickets/?overdue=true")) == []


def test_a_person_sees_only_the_overdue_tasks_of_tickets_they_see(alpha, timed):
    late = _review(timed)
    _set_deadline("alpha", late["id"], timezone.now() - timedelta(minutes=1))
    outsider = alpha.client("outsider", "sales")
    assert _ids(outsider.get("/api/v1/tasks/?overdue=true")) == []
    assert _ids(timed.submitter.get("/api/v1/tasks/?overdue=true")) == [late["id"]]


def test_the_scheduler_sweep_announces_each_companys_overdue_tasks(alpha, beta, timed):
    from ticketflower.runs.redelivery import sweep_all

    other = Runner(beta, install(beta, _bundle()), "staff")
    mine, theirs = _review(timed), _review(other)
    _set_deadline("alpha", mine["id"], timezone.now() - timedelta(seconds=1))
    _set_deadline("beta", theirs["id"], timezone.now() - timedelta(seconds=1))
    assert sweep_all()["overdue"] >= 2  # other test companies may have some too
    assert sweep_all()["overdue"] == 0
    shown = timed.admin.get(f"/api/v1/tasks/{mine['id']}/").json()
    assert shown["overdue"] is True and shown["overdue_notified_at"] is not None
    assert _row("beta", theirs["id"]).overdue_notified_at is not None


def test_schedulers_sweeping_at_once_announce_each_overdue_task_exactly_once(committed_tenant):
    """Real commits, one connection per thread: SKIP LOCKED hands each row to one sweep."""
    from tests.runs.test_concurrency import _in_threads
    from ticketflower.runs.deadlines import sweep_overdue

    runner = Runner(committed_tenant, install(committed_tenant, _bundle()), "staff")
    slug = committed_tenant.slug
    late = [_review(runner)["id"] for _ in range(6)]
    for task_id in late:
        _set_deadline(slug, task_id, timezone.now() - timedelta(minutes=1))

    def sweep(_: int) -> list[int]:
        with schema_context(slug):
            return sweep_overdue()

    results = _in_threads(4, sweep)
    announced = [task_id for result in results for task_id in result]
    assert sorted(announced) == sorted(late), results
    assert sweep(0) == []
