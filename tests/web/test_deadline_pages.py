"""Deadlines on the pages beyond the inbox's browser test: the inbox's order and filter
with Django's client, the ticket admins' company-wide list, the tickets page's "with an
overdue task" filter, and the ticket and task pages; nothing of another company shows."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.runs.support import Runner, install, simple_bundle
from tests.web.test_pages import login


def _timed(helper) -> Runner:
    bundle = simple_bundle()
    bundle["tasks"][0]["deadline_seconds"] = 3 * 3600
    return Runner(helper, install(helper, bundle), "staff")


def _submit(runner: Runner, title: str) -> tuple[int, int]:
    ticket = runner.submit({"title": title, "amount": 1}).json()
    return ticket["id"], ticket["tasks"][0]["id"]


def _deadline(slug: str, task: int, delta: timedelta) -> None:
    from ticketflower.runs.models import TaskInstance

    with schema_context(slug):
        TaskInstance.objects.filter(pk=task).update(deadline_at=timezone.now() + delta)


def _cards(html: str) -> list[str]:
    return re.findall(r'<li class="card">(.*?)</li>', html, flags=re.S)


def test_the_inbox_sorts_by_deadline_and_filters_overdue(alpha):
    runner = _timed(alpha)
    ids = {title: _submit(runner, title)[1] for title in ("Later", "Sooner", "Late", "None")}
    _deadline("alpha", ids["Later"], timedelta(hours=5))
    _deadline("alpha", ids["Sooner"], timedelta(hours=1))
    _deadline("alpha", ids["Late"], timedelta(hours=-1))
    from ticketflower.runs.models import TaskInstance

    with schema_context("alpha"):
        TaskInstance.objects.filter(pk=ids["None"]).update(deadline_at=None)
    client = login(alpha, "reviewer", "staff")

    def titles(query: str) -> list[str]:
        html = client.get("/inbox/" + query).content.decode()
        return [re.search(r"Expense claim: (\w+)", card).group(1) for card in _cards(html)]

    assert titles("") == ["Later", "Sooner", "Late", "None"]  # oldest first
    assert titles("?sort=deadline") == ["Late", "Sooner", "Later", "None"]
    assert titles("?sort=deadline&overdue=1") == ["Late"]
    html = client.get("/inbox/").content.decode()
    late = next(c for c in _cards(html) if "claim: Late ·" in c)
    assert "overdue by 1\xa0hour" in late and ">Overdue</span>" in late
    sooner = next(c for c in _cards(html) if "claim: Sooner ·" in c)
    assert "due in" in sooner and "Overdue" not in sooner


def test_a_ticket_admin_sees_every_overdue_task_and_the_tickets_that_have_one(alpha):
    runner = _timed(alpha)
    late_ticket, late = _submit(runner, "Taxi")
    fine_ticket, _ = _submit(runner, "Hotel")
    _deadline("alpha", late, timedelta(hours=-1))
    worker = runner.helper.client("worker_person", "staff")
    assert worker.post(f"/api/v1/tasks/{late}/claim/").status_code == 200  # someone else's
    admin = login(alpha, "boss", "ticket_admin")
    html = admin.get("/inbox/").content.decode()
    section = html.split('id="late"')[1].split("</section>")[0]
    assert "Taxi" in section and "Hotel" not in section
    staff = login(alpha, "clerk", "staff").get("/inbox/").content.decode()
    assert 'id="late"' not in staff  # the company-wide list is the ticket admins'
    tickets = admin.get("/tickets/?overdue=true").content.decode()
    assert f"/tickets/{late_ticket}/" in tickets and f"/tickets/{fine_ticket}/" not in tickets
    assert 'name="overdue" value="true" checked' in tickets
    others = admin.get("/tickets/?overdue=false").content.decode()
    assert f"/tickets/{fine_ticket}/" in others and f"/tickets/{late_ticket}/" not in others
    page = admin.get(f"/tickets/{late_ticket}/").content.decode()
    assert ">Overdue</span>" in page and "overdue by 1\xa0hour" in page
    page = admin.get(f"/tasks/{late}/").content.decode()
    assert ">Overdue</span>" in page and "overdue by 1\xa0hour" in page
    page = admin.get(f"/tickets/{fine_ticket}/").content.decode()
    assert "Overdue</span>" not in page and "due in 2\xa0hours" in page


def test_another_companys_overdue_tasks_never_show(alpha, beta):
    runner = _timed(alpha)
    _, late = _submit(runner, "Taxi")
    _deadline("alpha", late, timedelta(hours=-1))
    outsider = login(beta, "boss", "ticket_admin")
    assert "Taxi" not in outsider.get("/inbox/?overdue=1").content.decode()
    assert "Taxi" not in outsider.get("/tickets/?overdue=true").content.decode()


def test_the_tickets_page_takes_any_status_as_no_filter(alpha):
    client = login(alpha, "sam", "sales")
    page = client.get("/tickets/?status=&q=")
    assert page.status_code == 200
    assert "Select a valid choice" not in page.content.decode()
