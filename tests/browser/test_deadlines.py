"""Overdue tickets in a real browser, desktop and phone (the inbox's side is in
test_collaboration.py): a ticket admin keeps the tickets with an overdue task, opens
one and sees the task's Overdue badge and how late it is; no console errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.browser.test_web_app import _login
from tests.runs.support import Runner, install, simple_bundle

pytestmark = pytest.mark.browser


def test_a_ticket_admin_finds_the_tickets_with_an_overdue_task(committed_tenant, api_server, tab):
    from ticketflower.runs.models import TaskInstance

    bundle = simple_bundle()
    bundle["tasks"][0]["deadline_seconds"] = 4 * 3600
    runner = Runner(committed_tenant, install(committed_tenant, bundle), "staff")
    late = runner.submit({"title": "Taxi", "amount": 12}).json()["tasks"][0]["id"]
    runner.submit({"title": "Hotel", "amount": 80})
    with schema_context(committed_tenant.slug):
        TaskInstance.objects.filter(pk=late).update(
            deadline_at=timezone.now() - timedelta(hours=3, minutes=5)
        )
    committed_tenant.user("boss", "ticket_admin")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "boss")
    page.get_by_role("link", name="Tickets").click()
    assert page.locator(".cards .card").count() == 2
    page.get_by_label("With an overdue task").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert "overdue=true" in page.url
    cards = page.locator(".cards .card")
    assert cards.count() == 1 and "Taxi" in cards.first.inner_text()
    assert page.get_by_label("With an overdue task").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.shot("tickets-overdue")

    with page.expect_navigation():
        cards.first.get_by_role("link").click()
    tasks = page.locator("section", has=page.locator("#tasks"))
    assert tasks.locator(".badge.tone-bad").inner_text() == "Overdue"
    assert "overdue by 3\xa0hours" in tasks.inner_text()
    with page.expect_navigation():
        tasks.get_by_role("link", name="Review").click()
    assert page.locator("h1 .badge.tone-bad").inner_text() == "Overdue"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.shot("task-overdue")
