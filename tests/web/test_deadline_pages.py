"""Deadlines on the pages: the inbox says "due in" / "overdue by" with an Overdue badge,
sorts by the deadline and filters overdue tasks; ticket admins see every overdue task
and find the tickets that have one; nothing of another company shows."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.runs.support import Runner, install, simple_bundle
from tests.web.test_pages import login
from ticketflower.web.templatetags.deadlines import deadline_words


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


def test_deadlines_read_as_due_in_or_overdue_by():
    now = timezone.now()
    assert deadline_words(now + timedelta(hours=2, minutes=5), now) == "due in 2 h"
    assert deadline_words(now - timedelta(hours=3, minutes=1), now) == "overdue by 3 h"
    assert deadline_words(now + timedelta(minutes=45, seconds=3), now) == "due in 45 min"
    assert deadline_words(now + timedelta(days=4, hours=1), now) == "due in 4 days"
    assert deadline_words(now - timedelta(seconds=5), now) == "overdue by 1 min"
    assert deadline_words(None, now) == ""
    assert deadline_words(now - timedelta(hours=1), now, active=False) == ""


def test_the_inbox_shows_deadlines_and_an_overdue_badge(alpha):
    runner = _timed(alpha)
    _, late = _submit(runner, "Taxi")
    _submit(runner, "Hotel")
    _deadline("alpha", late, timedelta(hours=-3, minutes=-10))
    html = login(alpha, "reviewer", "staff").get("/inbox/").content.decode()
    taxi, hotel = sorted(_cards(html), key=lambda c: "Hotel" in c)
    assert "overdue by 3 h" in taxi and ">Overdue</span>" in taxi
    assert re.search(r"due in 2 h|due in 3 h", hotel) and "Overdue" not in hotel


def test_the_inbox_sorts_by_deadline_and_filters_overdue(alpha):
    runner = _timed(alpha)
    ids = {title: _submit(runner, title)[1] for title in ("Later", "Sooner", "Late")}
    _deadline("alpha", ids["Later"], timedelta(hours=5))
    _deadline("alpha", ids["Sooner"], timedelta(hours=1))
    _deadline("alpha", ids["Late"], timedelta(hours=-1))
    client = login(alpha, "reviewer", "staff")

    def titles(query: str) -> list[str]:
        html = client.get("/inbox/" + query).content.decode()
        return [re.search(r"Expense claim: (\w+)", card).group(1) for card in _cards(html)]

    assert titles("") == ["Later", "Sooner", "Late"]  # oldest first
    assert titles("?sort=deadline") == ["Late", "Sooner", "Later"]
    assert titles("?sort=deadline&overdue=true") == ["Late"]
    assert titles("?sort=bogus") == ["Later", "Sooner", "Late"]


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
    assert "Taxi" in section and "with worker_person" in section and "Hotel" not in section
    staff = login(alpha, "clerk", "staff").get("/inbox/").content.decode()
    assert 'id="late"' not in staff  # the company-wide list is the ticket admins'
    tickets = admin.get("/tickets/?overdue=true").content.decode()
    assert f"/tickets/{late_ticket}/" in tickets and f"/tickets/{fine_ticket}/" not in tickets
    others = admin.get("/tickets/?overdue=false").content.decode()
    assert f"/tickets/{fine_ticket}/" in others and f"/tickets/{late_ticket}/" not in others
    page = admin.get(f"/tickets/{late_ticket}/").content.decode()
    assert ">Overdue</span>" in page and "overdue by 1 h" in page
    page = admin.get(f"/tasks/{late}/").content.decode()
    assert ">Overdue</span>" in page


def test_the_api_lists_tickets_with_an_overdue_task(alpha):
    runner = _timed(alpha)
    late_ticket, late = _submit(runner, "Taxi")
    fine_ticket, _ = _submit(runner, "Hotel")
    _deadline("alpha", late, timedelta(minutes=-1))
    answer = runner.admin.get("/api/v1/tickets/?overdue=true").json()
    assert [t["id"] for t in answer["results"]] == [late_ticket]
    answer = runner.admin.get("/api/v1/tickets/?overdue=false").json()
    assert [t["id"] for t in answer["results"]] == [fine_ticket]


def test_another_companys_overdue_tasks_never_show(alpha, beta):
    runner = _timed(alpha)
    _, late = _submit(runner, "Taxi")
    _deadline("alpha", late, timedelta(hours=-1))
    outsider = login(beta, "boss", "ticket_admin")
    assert "Taxi" not in outsider.get("/inbox/?overdue=true").content.decode()
    assert "Taxi" not in outsider.get("/tickets/?overdue=true").content.decode()
