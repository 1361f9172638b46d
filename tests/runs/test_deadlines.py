"""Deadlines of tasks (docs/decision-due-dates.md): set when a task is created, listed,
filtered and sorted by, and announced overdue once by the scheduler's sweep; an ended
task is never overdue; each company sees and sweeps only its own."""

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


def test_a_task_gets_its_deadline_when_it_is_created(timed):
    task = _review(timed)
    created = datetime.fromisoformat(task["created_at"])
    deadline = datetime.fromisoformat(task["deadline_at"])
    assert abs((deadline - created) - timedelta(seconds=HOUR)) < timedelta(seconds=1)
    assert task["overdue"] is False
    assert task["overdue_notified_at"] is None
    assert task["due_at"] is None  # the outbox's time is another thing: a FORM has none


def test_a_task_whose_definition_declares_no_work_time_has_no_deadline(timed):
    ticket = timed.submit({"amount": 3}).json()["id"]
    timed.complete(ticket, "Review", {"approved": True, "comment": None})
    archive = timed.oldest_active(ticket, "Archive")
    assert archive["deadline_at"] is None
    assert archive["overdue"] is False


def test_overdue_filter_lists_active_tasks_past_their_deadline(timed):
    late, early, open_ = _review(timed), _review(timed), _review(timed)
    _set_deadline("alpha", late["id"], timezone.now() - timedelta(minutes=5))
    _set_deadline("alpha", open_["id"], None)
    admin = timed.admin
    assert _ids(admin.get("/api/v1/tasks/?overdue=true")) == [late["id"]]
    assert set(_ids(admin.get("/api/v1/tasks/?overdue=false"))) == {early["id"], open_["id"]}
    shown = admin.get(f"/api/v1/tasks/{late['id']}/").json()
    assert shown["overdue"] is True


def test_a_completed_task_is_never_overdue(timed):
    task = _review(timed)
    _set_deadline("alpha", task["id"], timezone.now() - timedelta(hours=2))
    answer = timed.complete(task["ticket"], "Review", {"approved": False, "comment": "no"})
    assert answer.status_code == 200, answer.json()
    assert _ids(timed.admin.get("/api/v1/tasks/?overdue=true")) == []
    assert task["id"] in _ids(timed.admin.get("/api/v1/tasks/?overdue=false"))
    assert timed.admin.get(f"/api/v1/tasks/{task['id']}/").json()["overdue"] is False
    from ticketflower.runs.deadlines import sweep_overdue

    with schema_context("alpha"):
        assert sweep_overdue() == []
    assert _row("alpha", task["id"]).overdue_notified_at is None


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


def _listen(slug: str) -> None:
    """A webhook of the company that receives every kind (sent after commit: never here)."""
    from ticketflower.notifications.models import Webhook

    with schema_context(slug):
        Webhook.objects.create(url="https://hooks.example.com/events", kinds=[])


def _overdue_events(slug: str) -> list[int]:
    """The tasks of the overdue events written to the company's outbox."""
    from ticketflower.notifications.kinds import Kind
    from ticketflower.notifications.models import Channel, Delivery

    with schema_context(slug):
        rows = Delivery.objects.filter(kind=Kind.TASK_OVERDUE, channel=Channel.WEBHOOK)
        return sorted(d.payload["data"]["task"] for d in rows)


def test_the_sweep_announces_an_overdue_task_once(timed):
    from ticketflower.runs.deadlines import sweep_overdue

    _listen("alpha")
    late, fine = _review(timed), _review(timed)
    _set_deadline("alpha", late["id"], timezone.now() - timedelta(seconds=1))
    with schema_context("alpha"):
        assert sweep_overdue() == [late["id"]]
        assert sweep_overdue() == []
        assert sweep_overdue(timezone.now() + timedelta(minutes=1)) == []
    assert _overdue_events("alpha") == [late["id"]]
    assert _row("alpha", late["id"]).overdue_notified_at is not None
    assert _row("alpha", fine["id"]).overdue_notified_at is None
    shown = timed.admin.get(f"/api/v1/tasks/{late['id']}/").json()
    assert shown["overdue"] is True and shown["overdue_notified_at"] is not None
    # Its deadline comes for the other one too: announced then, and only then.
    with schema_context("alpha"):
        assert sweep_overdue(timezone.now() + timedelta(hours=2)) == [fine["id"]]
        assert sweep_overdue(timezone.now() + timedelta(hours=3)) == []
    assert _overdue_events("alpha") == sorted([late["id"], fine["id"]])


def test_the_scheduler_sweep_announces_each_companys_overdue_tasks(alpha, beta, timed):
    from ticketflower.runs.redelivery import sweep_all

    late = _review(timed)
    _set_deadline("alpha", late["id"], timezone.now() - timedelta(seconds=1))
    assert sweep_all()["overdue"] == 1
    assert sweep_all()["overdue"] == 0
    assert _row("alpha", late["id"]).overdue_notified_at is not None


def test_companies_see_and_sweep_only_their_own_overdue_tasks(alpha, beta, timed):
    from ticketflower.runs.deadlines import sweep_overdue

    other = Runner(beta, install(beta, _bundle()), "staff")
    mine, theirs = _review(timed), _review(other)
    _set_deadline("alpha", mine["id"], timezone.now() - timedelta(minutes=1))
    _set_deadline("beta", theirs["id"], timezone.now() - timedelta(minutes=1))
    assert _ids(timed.admin.get("/api/v1/tasks/?overdue=true")) == [mine["id"]]
    assert _ids(other.admin.get("/api/v1/tasks/?overdue=true")) == [theirs["id"]]
    if mine["id"] != theirs["id"]:  # ids are per schema: the same number may name both
        assert timed.admin.get(f"/api/v1/tasks/{theirs['id']}/").status_code == 404
    _listen("alpha")
    _listen("beta")
    with schema_context("alpha"):
        assert sweep_overdue() == [mine["id"]]
    assert _row("beta", theirs["id"]).overdue_notified_at is None
    assert _overdue_events("beta") == []
    with schema_context("beta"):
        assert sweep_overdue() == [theirs["id"]]
    assert _overdue_events("alpha") == [mine["id"]]
    assert _overdue_events("beta") == [theirs["id"]]


def test_a_person_sees_only_the_overdue_tasks_of_tickets_they_see(alpha, timed):
    late = _review(timed)
    _set_deadline("alpha", late["id"], timezone.now() - timedelta(minutes=1))
    outsider = alpha.client("outsider", "sales")
    assert _ids(outsider.get("/api/v1/tasks/?overdue=true")) == []
    assert _ids(timed.submitter.get("/api/v1/tasks/?overdue=true")) == [late["id"]]


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
