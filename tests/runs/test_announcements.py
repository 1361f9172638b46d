"""What a step announces (runs/announcements.py): a finished ticket is announced only when
someone could hear it, and then reaches whoever does."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from tests.notifications.support import person, review_bundle
from tests.runs.support import install


def _finish(helper, workflow) -> tuple[int, list[str]]:
    """Submit a ticket as sam, approve it as rita: the ticket's id and the SQL of the
    approval."""
    sam = helper.client("sam", "sales")
    body = {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 5}}
    ticket = sam.post("/api/v1/tickets/", body, format="json").json()
    task = ticket["tasks"][0]["id"]
    rita = helper.client("rita", "reviewer")
    assert rita.post(f"/api/v1/tasks/{task}/claim/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        done = rita.post(f"/api/v1/tasks/{task}/complete/", {"output": {"approved": True}},
                         format="json")  # fmt: skip
    assert done.status_code == 200, done.json()
    return ticket["id"], [q["sql"] for q in queries.captured_queries]


def _announced(sql: list[str]) -> bool:
    return any("notifications_delivery" in statement for statement in sql)


def _deliveries(helper, ticket_id: int) -> list[tuple[str, str]]:
    from ticketflower.notifications.models import Delivery

    with schema_context(helper.slug):
        rows = Delivery.objects.filter(ticket_id=ticket_id, kind="ticket_finished")
        return sorted((d.channel, d.address or d.url) for d in rows)


def test_a_finished_ticket_nobody_could_hear_of_writes_no_announcement(alpha):
    workflow = install(alpha, review_bundle())
    ticket, sql = _finish(alpha, workflow)
    assert not _announced(sql)
    assert _deliveries(alpha, ticket) == []


def test_a_finished_ticket_is_announced_to_a_submitter_with_an_address(alpha):
    workflow = install(alpha, review_bundle())
    person(alpha, "sam", "sam@alpha.example", "sales")
    ticket, sql = _finish(alpha, workflow)
    assert _announced(sql)
    assert _deliveries(alpha, ticket) == [("email", "sam@alpha.example")]


def test_a_finished_ticket_is_announced_to_an_active_webhook_only(alpha):
    from ticketflower.notifications.models import Webhook

    workflow = install(alpha, review_bundle())
    with schema_context(alpha.slug):
        Webhook.objects.create(url="https://hooks.example/off", active=False)
    ticket, sql = _finish(alpha, workflow)
    assert not _announced(sql)
    with schema_context(alpha.slug):
        Webhook.objects.create(url="https://hooks.example/on")
    ticket, sql = _finish(alpha, workflow)
    assert _announced(sql)
    assert _deliveries(alpha, ticket) == [("webhook", "https://hooks.example/on")]
