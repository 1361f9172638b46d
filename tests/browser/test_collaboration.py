"""Working together in the browser: a comment with a mention, an internal note that staff
never see, and who did what on the ticket's page. Desktop and phone, no console errors."""

from __future__ import annotations

import pytest

from tests.browser.test_web_app import _login, _logout
from tests.notifications.support import review_bundle
from tests.runs.support import install

pytestmark = pytest.mark.browser


def test_people_comment_on_a_ticket_and_notes_stay_internal(committed_tenant, api_server, tab):
    helper = committed_tenant
    workflow = install(helper, review_bundle())
    helper.user("sam", "sales")
    helper.user("rita", "reviewer")
    helper.user("boss", "ticket_admin")
    ticket = (
        helper.client("sam", "sales")
        .post(
            "/api/v1/tickets/",
            {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 12}},
            format="json",
        )
        .json()
    )
    base = f"http://{helper.host}:{api_server}"
    page = tab.page

    _login(tab, base, "sam")
    page.goto(f"{base}/tickets/{ticket['id']}/")
    assert page.get_by_label("Internal note (ticket admins only)").count() == 0
    page.get_by_label("Add a comment").fill("Receipt is attached, @rita can you check?")
    with page.expect_navigation():
        page.get_by_role("button", name="Comment").click()
    assert "Comment added." in page.locator("body").inner_text()
    assert "Receipt is attached, @rita" in page.locator(".comments").inner_text()
    _logout(tab)

    _login(tab, base, "boss")
    page.goto(f"{base}/tickets/{ticket['id']}/")
    page.get_by_label("Add a comment").fill("Checked the customer: fine.")
    page.get_by_label("Internal note (ticket admins only)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Comment").click()
    assert page.locator(".comments li.internal").count() == 1
    tab.shot("ticket-comments-admin")
    _logout(tab)

    _login(tab, base, "sam")
    page.goto(f"{base}/tickets/{ticket['id']}/")
    comments = page.locator(".comments").inner_text()
    assert "Receipt is attached" in comments
    assert "Checked the customer" not in comments
    tab.shot("ticket-comments-staff")


def test_a_task_page_shows_its_comments_and_the_ticket_who_did_what(
    committed_tenant, api_server, tab
):
    helper = committed_tenant
    workflow = install(helper, review_bundle())
    helper.user("rita", "reviewer")
    ticket = (
        helper.client("sam", "sales")
        .post(
            "/api/v1/tickets/",
            {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 3}},
            format="json",
        )
        .json()
    )
    base = f"http://{helper.host}:{api_server}"
    page = tab.page
    _login(tab, base, "rita")
    task = helper.client("boss", "ticket_admin").get(f"/api/v1/tasks/?ticket={ticket['id']}")
    task_id = task.json()["results"][0]["id"]
    page.goto(f"{base}/tasks/{task_id}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Claim").click()
    page.get_by_label("Add a comment").fill("Claimed, looking now.")
    with page.expect_navigation():
        page.get_by_role("button", name="Comment").click()
    assert page.url.endswith(f"/tasks/{task_id}/#comments")
    assert "Claimed, looking now." in page.locator(".comments").inner_text()
    page.goto(f"{base}/tickets/{ticket['id']}/")
    assert "on “Review”" in page.locator(".comments").inner_text()
    activity = page.locator(".activity").inner_text()
    assert "rita · task claimed · Review" in activity
    tab.shot("ticket-activity")


def test_the_inbox_shows_what_is_overdue_and_sorts_by_deadline(committed_tenant, api_server, tab):
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ticketflower.runs.models import TaskInstance

    helper = committed_tenant
    bundle = review_bundle()
    bundle["tasks"][0]["deadline_seconds"] = 7200
    workflow = install(helper, bundle)
    helper.user("rita", "reviewer")
    sam = helper.client("sam", "sales")
    ids = []
    for amount in (1, 2):
        ticket = sam.post(
            "/api/v1/tickets/",
            {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": amount}},
            format="json",
        ).json()
        ids.append(ticket["tasks"][0]["id"])
    with schema_context(helper.slug):
        TaskInstance.objects.filter(pk=ids[1]).update(
            deadline_at=timezone.now() - timedelta(hours=3)
        )
    base = f"http://{helper.host}:{api_server}"
    page = tab.page
    _login(tab, base, "rita")
    page.goto(f"{base}/inbox/")
    cards = page.locator("#open ~ ul .card, section[aria-labelledby=open] .card")
    assert cards.count() == 2
    text = page.locator("section[aria-labelledby=open]").inner_text()
    assert "overdue by 3" in text and "due in 1" in text
    assert page.locator("section[aria-labelledby=open] .badge.tone-bad").count() == 1
    page.get_by_label("Overdue only").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert page.locator("section[aria-labelledby=open] .card").count() == 1
    tab.shot("inbox-overdue")
    page.get_by_label("Sort", exact=True).select_option("deadline")
    page.get_by_label("Overdue only").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    first = page.locator("section[aria-labelledby=open] .card").first.inner_text()
    assert "overdue by" in first
    _logout(tab)
    helper.user("boss", "ticket_admin")
    _login(tab, base, "boss")
    page.goto(f"{base}/inbox/")
    assert "Overdue in the company" in page.locator("body").inner_text()
    assert page.locator("section[aria-labelledby=late] .card").count() == 1
