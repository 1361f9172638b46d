"""Due dates: a FORM task's deadline_seconds, its instances' deadline_at, the overdue
filters and ordering, and the scheduler's sweep that tells people once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_tenants.utils import schema_context

from tests.actions.support import wait_for
from tests.notifications.support import emails_to, person, review_bundle
from tests.runs.support import install


def _bundle(seconds):
    bundle = review_bundle()
    bundle["tasks"][0]["deadline_seconds"] = seconds
    return bundle


def _submit(helper, workflow, amount=5):
    answer = helper.client("sam", "sales").post(
        "/api/v1/tickets/",
        {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": amount}},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _past_deadline(helper, task_id, by=timedelta(minutes=5)):
    from ticketflower.runs.models import TaskInstance

    with schema_context(helper.slug):
        TaskInstance.objects.filter(pk=task_id).update(deadline_at=timezone.now() - by)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (30, "between 60"),
        (366 * 24 * 3600, "between 60"),
        ("1h", "integer"),
        (0, "≥ 1"),
    ],
)
def test_a_bad_deadline_is_refused_at_its_pointer(committed_tenant, value, message):
    designer = committed_tenant.client("designer", "workflow_creator")
    answer = designer.post("/api/v1/bundles/validate/", _bundle(value), format="json").json()
    assert answer["valid"] is False
    found = [
        p["message"] for p in answer["problems"] if p["pointer"] == "/tasks/0/deadline_seconds"
    ]
    assert found and all(message in m for m in found), found


def test_an_action_cannot_have_a_deadline(committed_tenant):
    bundle = review_bundle()
    bundle["tasks"].append(
        {"title": "Pay", "task_type": "SYNC_ACTION", "input_fields": ["amount"],
         "output_fields": [], "action_url": "https://pay.example.com", "deadline_seconds": 600}
    )  # fmt: skip
    designer = committed_tenant.client("designer", "workflow_creator")
    answer = designer.post("/api/v1/bundles/validate/", bundle, format="json").json()
    assert [p["pointer"] for p in answer["problems"]] == ["/tasks/1/deadline_seconds"]


def test_the_deadline_travels_with_the_bundle_and_dates_each_instance(committed_tenant):
    helper = committed_tenant
    workflow = install(helper, _bundle(3600))
    exported = helper.client("designer", "workflow_creator").get(
        f"/api/v1/workflows/{workflow['id']}/bundle/"
    )
    assert exported.json()["tasks"][0]["deadline_seconds"] == 3600
    before = timezone.now()
    ticket = _submit(helper, workflow)
    task = ticket["tasks"][0]
    deadline = parse_datetime(task["deadline_at"])
    assert before + timedelta(seconds=3600) <= deadline <= timezone.now() + timedelta(hours=1)
    assert task["overdue"] is False


def test_without_a_deadline_a_task_is_never_overdue(committed_tenant):
    helper = committed_tenant
    workflow = install(helper, review_bundle())
    ticket = _submit(helper, workflow)
    assert ticket["tasks"][0]["deadline_at"] is None
    boss = helper.client("boss", "ticket_admin")
    assert boss.get("/api/v1/tasks/?overdue=true").json()["results"] == []


def test_overdue_filters_and_deadline_ordering(committed_tenant):
    helper = committed_tenant
    workflow = install(helper, _bundle(3600))
    first, second, third = (_submit(helper, workflow, n)["tasks"][0]["id"] for n in (1, 2, 3))
    _past_deadline(helper, second, timedelta(minutes=1))
    _past_deadline(helper, third, timedelta(minutes=10))
    boss = helper.client("boss", "ticket_admin")
    late = boss.get("/api/v1/tasks/?overdue=true&ordering=deadline_at").json()["results"]
    assert [t["id"] for t in late] == [third, second]
    assert all(t["overdue"] for t in late)
    on_time = boss.get("/api/v1/tasks/?overdue=false").json()["results"]
    assert [t["id"] for t in on_time] == [first]
    soon = (timezone.now() + timedelta(minutes=30)).isoformat()
    before = boss.get("/api/v1/tasks/", {"deadline_before": soon}).json()["results"]
    assert {t["id"] for t in before} == {second, third}


def test_the_sweep_tells_once_and_never_of_an_ended_task(committed_tenant):
    from ticketflower.notifications.models import Delivery
    from ticketflower.runs.deadlines import sweep_overdue

    helper = committed_tenant
    person(helper, "rita", "rita@example.com", "reviewer")
    workflow = install(helper, _bundle(3600))
    waiting = _submit(helper, workflow, 1)["tasks"][0]["id"]
    done = _submit(helper, workflow, 2)["tasks"][0]["id"]
    rita = helper.client("rita", "reviewer")
    assert rita.post(f"/api/v1/tasks/{done}/claim/").status_code == 200
    completed = rita.post(
        f"/api/v1/tasks/{done}/complete/", {"output": {"approved": True}}, format="json"
    )
    assert completed.status_code == 200
    _past_deadline(helper, waiting)
    _past_deadline(helper, done)
    with schema_context(helper.slug):
        assert sweep_overdue() == [waiting]
        assert sweep_overdue() == []
        told = Delivery.objects.filter(kind="task_overdue", channel="email")
        assert list(told.values_list("address", flat=True)) == ["rita@example.com"]


def test_an_overdue_task_emails_its_assignee_once_through_a_real_worker(
    committed_tenant, worker, mail_dir
):
    from ticketflower.runs.redelivery import sweep_all

    helper = committed_tenant
    person(helper, "rita", "rita@example.com", "reviewer")
    workflow = install(helper, _bundle(3600))
    task = _submit(helper, workflow)["tasks"][0]["id"]
    assert helper.client("rita", "reviewer").post(f"/api/v1/tasks/{task}/claim/").status_code == 200
    _past_deadline(helper, task)
    assert sweep_all()["overdue"] == 1
    assert sweep_all()["overdue"] == 0
    mail = mail_dir
    wait_for(
        lambda: (
            "Task 'Review' is overdue"
            in [m["Subject"] for m in emails_to(mail, "rita@example.com")]
        )
    )
    subjects = [m["Subject"] for m in emails_to(mail, "rita@example.com")]
    assert subjects.count("Task 'Review' is overdue") == 1


def test_another_company_never_sees_our_overdue_tasks(committed_tenant, second_company):
    helper = committed_tenant
    workflow = install(helper, _bundle(3600))
    task = _submit(helper, workflow)["tasks"][0]["id"]
    _past_deadline(helper, task)
    theirs = second_company.client("boss", "ticket_admin")
    assert theirs.get("/api/v1/tasks/?overdue=true").json()["results"] == []
    assert theirs.get(f"/api/v1/tasks/{task}/").status_code == 404


def test_due_soon_tells_once_in_the_last_quarter_and_never_after_the_deadline(
    committed_tenant,
):
    from ticketflower.notifications.models import Delivery
    from ticketflower.runs.deadlines import sweep_due_soon
    from ticketflower.runs.models import TaskInstance

    helper = committed_tenant
    person(helper, "rita", "rita@example.com", "reviewer")
    workflow = install(helper, _bundle(3600))  # the last quarter: 15 minutes
    far, near, late = (_submit(helper, workflow, n)["tasks"][0]["id"] for n in (1, 2, 3))
    now = timezone.now()
    with schema_context(helper.slug):
        TaskInstance.objects.filter(pk=far).update(deadline_at=now + timedelta(minutes=40))
        TaskInstance.objects.filter(pk=near).update(deadline_at=now + timedelta(minutes=10))
        TaskInstance.objects.filter(pk=late).update(deadline_at=now - timedelta(minutes=1))
        assert sweep_due_soon(now) == [near]
        assert sweep_due_soon(now) == []
        # Later, the far one enters its last quarter.
        assert sweep_due_soon(now + timedelta(minutes=30)) == [far]
        told = Delivery.objects.filter(kind="task_due_soon", channel="email")
        assert sorted(told.values_list("subject", flat=True)) == ["Task 'Review' is due soon"] * 2
