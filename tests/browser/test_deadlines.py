"""Deadlines in a real browser, desktop and phone: a task past its deadline shows an
Overdue badge in the inbox, the inbox sorts by deadline and keeps only overdue tasks
when asked, and the ticket admin's company-wide list shows it; no console errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.browser.test_web_app import _login
from tests.runs.support import Runner, install, simple_bundle

pytestmark = pytest.mark.browser


def test_the_inbox_shows_an_overdue_task_with_its_badge(committed_tenant, api_server, tab):
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
    committed_tenant.user("boss", "ticket_admin", "staff")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "boss")
    assert page.title() == "Inbox – TicketFlower"
    company_wide = page.locator("section", has=page.locator("#late"))
    badge = company_wide.locator(".card", has_text="Taxi").locator(".badge.overdue")
    assert badge.is_visible() and badge.inner_text() == "Overdue"
    claimable = page.locator("section", has=page.locator("#open"))
    taxi = claimable.locator(".card", has_text="Taxi")
    hotel = claimable.locator(".card", has_text="Hotel")
    assert taxi.locator(".badge.overdue").is_visible()
    assert "overdue by 3 h" in taxi.inner_text()
    assert "due in 3 h" in hotel.inner_text() and hotel.locator(".badge.overdue").count() == 0
    tab.shot("inbox-overdue")

    page.get_by_label("Sort", exact=True).select_option("deadline")
    page.get_by_label("Overdue only").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "overdue=true" in page.url and "sort=deadline" in page.url
    cards = claimable.locator(".card")
    assert cards.count() == 1 and "Taxi" in cards.first.inner_text()
    assert page.get_by_label("Overdue only").is_checked()
    tab.shot("inbox-overdue-only")

    taxi = claimable.locator(".card", has_text="Taxi")
    with page.expect_navigation():
        taxi.get_by_role("link", name="Review").click()
    assert page.locator("h1 .badge.overdue").is_visible()
    # Wider than the phone's screen nowhere.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
