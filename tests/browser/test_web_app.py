"""The web app in a real browser: a staff member submits a ticket through the form
generated from its type (and sees a field error first), a colleague claims and completes
its task through the form generated from the task's output schema, a file is attached
and downloaded, and the ticket's timeline shows each iteration. Desktop and phone."""

from __future__ import annotations

import httpx
import pytest
from django_tenants.utils import schema_context

from tests.helpers import PASSWORD
from tests.runs.support import install, simple_bundle

pytestmark = pytest.mark.browser


def _login(tab, base: str, username: str) -> None:
    page = tab.page
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def _logout(tab) -> None:
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Log out").click()


def test_staff_do_a_ticket_from_submission_to_completion_in_the_browser(
    committed_tenant, api_server, tab, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    bundle = simple_bundle()
    bundle["workflow"]["fields_schema"]["required"] = ["amount", "approved"]
    bundle["tasks"][0]["description"] = "Check the receipt, then approve or refuse."
    install(committed_tenant, bundle)
    committed_tenant.user("clerk", "staff")
    committed_tenant.user("reviewer", "staff")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    page.goto(f"{base}/login/")
    tab.shot("login")
    _login(tab, base, "clerk")
    assert page.title() == "Inbox – TicketFlower"
    page.get_by_role("link", name="New ticket").click()
    tab.shot("ticket-types")
    page.get_by_role("link", name="Expense claim").click()
    page.get_by_label("Title").fill("Taxi to the airport")
    page.get_by_label("Amount").fill("-5")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    # Refused at the field, nothing created.
    assert page.locator(".field.invalid").count() == 1
    assert "greater than or equal to 0" in page.locator(".field.invalid .error").inner_text()
    tab.shot("new-ticket-error")
    page.get_by_label("Amount").fill("42.5")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    assert page.title().startswith("Ticket ")
    assert "Expense claim: Taxi to the airport · amount: 42.5" in page.locator("h1").inner_text()
    ticket_url = page.url

    page.set_input_files(
        "input[name=file]",
        files=[{"name": "receipt.txt", "mimeType": "text/plain", "buffer": b"paid 42.5"}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    files = page.locator("section", has=page.locator("#files")).inner_text()
    assert "receipt.txt · version 1 · 9 bytes" in files
    with page.expect_download() as download:
        page.get_by_role("link", name="receipt.txt").click()
    assert download.value.path().read_bytes() == b"paid 42.5"
    tab.shot("ticket")
    _logout(tab)

    _login(tab, base, "reviewer")
    card = page.locator(".card", has_text="Review")
    assert "Check the receipt" in card.inner_text() and "42.5" in card.inner_text()
    assert "waiting 0\xa0minutes" in card.inner_text()  # its age
    tab.shot("inbox")
    card.get_by_role("link", name="Review").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Claim").click()
    page.get_by_label("Approved").select_option("false")
    page.get_by_label("Comment", exact=True).fill("Not a business trip")
    tab.shot("task-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete").click()
    assert "is done" in page.locator(".flash").inner_text()

    page.goto(ticket_url)
    timeline = page.locator(".timeline").inner_text()
    assert "submitted by clerk" in timeline and "“Review” completed by reviewer" in timeline
    assert page.locator("h1 .badge").inner_text() == "Cancelled"  # Refused fired
    tab.shot("timeline")
    # Nothing else is reachable by URL.
    # (asked outside the page: a 404 page would log a console error by design)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    other = httpx.get(
        f"http://127.0.0.1:{api_server}/tickets/999999/",
        headers={"Host": committed_tenant.host},
        cookies=cookies,
    )
    assert other.status_code == 404

    from ticketflower.runs.models import TaskInstance

    with schema_context(committed_tenant.slug):
        review = TaskInstance.objects.get(task_definition__title="Review")
        assert review.output == {"approved": False, "comment": "Not a business trip"}
        assert review.completed_by.username == "reviewer"


def test_a_ticket_admin_repairs_from_the_errors_queue(
    committed_tenant, api_server, tab, settings, tmp_path
):
    from ticketflower.runs.services import do_fail_task

    workflow = install(committed_tenant, simple_bundle())
    committed_tenant.user("clerk", "staff")
    committed_tenant.user("boss", "ticket_admin")
    runner_client = committed_tenant.client("clerk", "staff")
    body = {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 7}}
    ticket = runner_client.post("/api/v1/tickets/", body, format="json").json()
    review = ticket["tasks"][0]["id"]
    with schema_context(committed_tenant.slug):
        do_fail_task(review, "the reviewer's tool crashed")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "boss")
    page.get_by_role("link", name="Errors").click()
    card = page.locator(".card", has_text="the reviewer's tool crashed")
    assert "Task update" in card.inner_text() and "New" in card.inner_text()
    tab.shot("errors")
    with page.expect_navigation():
        card.get_by_role("button", name="Retry the task").click()
    assert "The task runs again." in page.locator(".flash").inner_text()
    card = page.locator(".card", has_text="the reviewer's tool crashed")
    card.get_by_label("Notes").fill("Tool restarted, task retried")
    with page.expect_navigation():
        card.get_by_role("button", name="Resolve").click()
    assert page.locator(".card", has_text="the reviewer's tool crashed").count() == 0

    # The retried task is open again; the admin gives it to the clerk.
    page.goto(f"{base}/tasks/{review}/")
    page.get_by_label("Give it to").select_option(label="clerk")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign").click()
    assert "Given to clerk" in page.locator(".flash").inner_text()
    # Tickets filtered by status.
    page.goto(f"{base}/tickets/?status=IN_PROGRESS")
    assert page.locator(".cards .card").count() == 1
    page.goto(f"{base}/tickets/?status=COMPLETED")
    assert page.locator(".cards .card").count() == 0
    tab.shot("tickets-filtered")

    from ticketflower.runs.models import TaskInstance, TicketError

    with schema_context(committed_tenant.slug):
        task = TaskInstance.objects.get(pk=review)
        assert (task.status, task.assigned_to.username) == ("IN_PROGRESS", "clerk")
        error = TicketError.objects.get(error_message__contains="crashed")
        assert (error.error_status, error.resolution_notes) == (
            "RESOLVED",
            "Tool restarted, task retried",
        )


def test_a_ticket_admin_corrects_a_held_workflows_data_without_writing_json(
    committed_tenant, api_server, tab
):
    workflow = install(committed_tenant, simple_bundle())
    committed_tenant.user("boss", "ticket_admin")
    clerk = committed_tenant.client("clerk", "staff")
    body = {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 7}}
    ticket = clerk.post("/api/v1/tickets/", body, format="json").json()
    admin = committed_tenant.client("boss", "ticket_admin")
    admin.post(f"/api/v1/tasks/{ticket['tasks'][0]['id']}/cancel/")  # stalls: ON_HOLD
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "boss")
    page.goto(f"{base}/tickets/{ticket['id']}/")
    assert page.locator("h1 .badge").inner_text() == "On hold"
    form = page.locator("section", has=page.locator("#correct"))
    assert form.get_by_label("Amount").input_value() == "7"
    form.get_by_label("Approved").select_option("true")
    tab.shot("correct-data")
    with page.expect_navigation():
        form.get_by_role("button", name="Write the changes").click()
    assert "Data corrected: approved" in page.locator(".flash").inner_text()
    # The correction wrote one field, and the workflow went on from it (Archive started).
    timeline = page.locator(".timeline").inner_text()
    assert "data corrected by boss" in timeline and "wrote approved" in timeline
    assert "task “Archive”: started" in timeline


def test_a_tenant_admin_adds_a_colleague_who_then_logs_in(committed_tenant, api_server, tab):
    committed_tenant.user("root", "tenant_admin")
    committed_tenant.user("someone", "staff")  # the role exists
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "root")
    page.get_by_role("link", name="People").click()
    page.get_by_label("Username", exact=True).fill("newcomer")
    page.locator("#new-password").fill(PASSWORD)
    page.locator("form", has=page.locator("#new-username")).get_by_label("staff").check()
    tab.shot("people")
    with page.expect_navigation():
        page.get_by_role("button", name="Add user").click()
    assert "newcomer can log in now." in page.locator(".flash").inner_text()
    _logout(tab)
    _login(tab, base, "newcomer")
    assert page.title() == "Inbox – TicketFlower"
    page.get_by_role("link", name="Tickets").click()
    tab.shot("tickets")
    assert page.get_by_role("link", name="People").count() == 0  # not a tenant admin


def test_an_approval_in_the_browser_lets_the_worker_finish_the_ticket(
    committed_tenant, api_server, worker, tab
):
    """The whole stack: the page, PostgreSQL, the Redis broker, a Dramatiq worker and an
    HTTP action on loopback; the ticket's page shows the action's iteration."""
    import time

    from tests.loopback import LoopbackServer, answer

    with LoopbackServer(answer(200, {"archived": True})) as archive:
        bundle = simple_bundle()
        bundle["tasks"][1]["action_url"] = archive.url + "/archive"
        bundle["tasks"][1]["output_transform"] = {"archived": {"var": "body.archived"}}
        workflow = install(committed_tenant, bundle)
        committed_tenant.user("boss", "ticket_admin")
        clerk = committed_tenant.client("clerk", "staff")
        body = {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"amount": 9}}
        ticket = clerk.post("/api/v1/tickets/", body, format="json").json()
        base = f"http://{committed_tenant.host}:{api_server}"
        page = tab.page

        _login(tab, base, "boss")
        page.goto(f"{base}/tasks/{ticket['tasks'][0]['id']}/")
        with page.expect_navigation():
            page.get_by_role("button", name="Claim").click()
        page.get_by_label("Approved").select_option("true")
        with page.expect_navigation():
            page.get_by_role("button", name="Complete").click()
        deadline = time.monotonic() + 30
        while True:
            page.goto(f"{base}/tickets/{ticket['id']}/")
            if "Completed" in page.locator("h1").inner_text() or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert page.locator("h1 .badge").inner_text() == "Completed"
        timeline = page.locator(".timeline").inner_text()
        assert "“Archive” completed" in timeline and "completion “Done”: fired" in timeline
        assert archive.requests and archive.requests[0]["body"] == {"approved": True}
        tab.shot("done-by-the-worker")


def test_by_keyboard_alone_and_nothing_of_another_company(committed_tenant, api_server, tab):
    """Log in and submit a ticket with the keyboard only; then another company's host
    knows nothing of this session, and this company's pages nothing of its tickets."""
    from ticketflower.companies.provisioning import create_tenant, delete_tenant, tenant_host

    install(committed_tenant, simple_bundle())
    committed_tenant.user("clerk", "staff")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page
    page.goto(f"{base}/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title() == "Inbox – TicketFlower"
    page.goto(f"{base}/tickets/new/")
    page.get_by_role("link", name="Expense claim").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_label("Amount").focus()
    page.keyboard.type("12")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form
    assert page.title().startswith("Ticket ")
    mine = page.url

    other = f"k_{committed_tenant.slug[2:]}"
    create_tenant(other, admin_password=PASSWORD)
    try:
        other_base = f"http://{tenant_host(other)}:{api_server}"
        # The session is this company's: the other host asks to log in.
        page.goto(f"{other_base}/inbox/")
        assert page.url.startswith(f"{other_base}/login/")
        # Its admin logs in there and finds nothing of this company's ticket.
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        page.goto(f"{other_base}/tickets/")
        assert page.locator(".cards .card").count() == 0
        cookies = {c["name"]: c["value"] for c in page.context.cookies(other_base)}
        path = mine.split(str(api_server), 1)[1]
        stranger = httpx.get(
            f"http://127.0.0.1:{api_server}{path}",
            headers={"Host": f"{tenant_host(other)}:{api_server}"},
            cookies=cookies,
        )
        assert stranger.status_code == 404
    finally:
        from django.db import connection

        connection.set_schema_to_public()
        delete_tenant(other, confirm=other)


def test_an_order_is_submitted_line_by_line_without_json(committed_tenant, api_server, tab):
    import json
    from pathlib import Path

    bundle_path = Path(__file__).resolve().parents[2] / "examples/order_fulfilment/bundle.json"
    workflow = install(committed_tenant, json.loads(bundle_path.read_text()))
    committed_tenant.user("seller", "sales")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "seller")
    page.goto(f"{base}/tickets/new/{workflow['tickets'][0]['id']}/")
    assert page.locator("textarea.json").count() == 0  # nothing asks for JSON
    page.get_by_label("Customer").fill("Acme Ltd")
    page.get_by_label("Sku of line 1").fill("DESK-1")
    page.get_by_label("Qty of line 1").fill("3")
    page.get_by_label("Sku of line 2").fill("CHAIR-2")
    page.get_by_label("Qty of line 2").fill("6")
    tab.shot("order-lines")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit").click()
    assert page.title().startswith("Ticket "), page.locator("main").inner_text()[:500]
    ticket = int(page.title().split()[1])

    from ticketflower.runs.models import TicketInstance

    with schema_context(committed_tenant.slug):
        fields = TicketInstance.objects.get(pk=ticket).fields
    assert fields == {
        "customer": "Acme Ltd",
        "items": [{"sku": "DESK-1", "qty": 3}, {"sku": "CHAIR-2", "qty": 6}],
    }


def test_repeated_wrong_passwords_in_the_login_form_say_when_to_try_again(
    committed_tenant, api_server, tab, settings
):
    from django.core.cache import caches

    caches["counters"].clear()
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    committed_tenant.user("forgetful", "staff")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page
    for _ in range(3):
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("forgetful")
        page.get_by_label("Password").fill("not-my-password")
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        assert "did not match" in page.get_by_role("alert").inner_text()
    # The right password too is held back until the window passes: the page says so.
    page.get_by_label("Username").fill("forgetful")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert "Too many failed logins: try again in" in page.get_by_role("alert").inner_text()
    assert page.url.startswith(f"{base}/login/")
    tab.shot("login-throttled")
    caches["counters"].clear()
