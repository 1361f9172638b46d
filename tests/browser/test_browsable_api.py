"""The browsable API in a real browser: a person logs in, submits a ticket, completes its
task and uploads a file through the HTML forms, at desktop and phone width."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import schema_context

from tests.helpers import PASSWORD
from tests.runs.support import install, simple_bundle

pytestmark = pytest.mark.browser


def _login(tab, base: str, username: str, then: str) -> None:
    page = tab.page
    page.goto(f"{base}/api/auth/login/?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{base}{then}")


def _post_html_form(tab) -> None:
    """Press POST in the page's HTML-form tab and wait for the answer's page."""
    page = tab.page
    tab_link = page.locator("a[name=html-tab]")
    if tab_link.count():
        tab_link.click()
    with page.expect_navigation():
        page.click("#post-object-form button.btn-primary")


def _shown_json(tab) -> dict:
    """The JSON answer the browsable page shows (after the response headers)."""
    text = tab.page.locator(".response-info pre").inner_text()
    return json.loads(text[text.index("\n\n") :].strip())


def test_a_person_submits_completes_and_uploads_through_the_html_forms(
    committed_tenant, api_server, tab, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    workflow = install(committed_tenant, simple_bundle())
    ticket_definition = workflow["tickets"][0]["id"]
    committed_tenant.user("clerk", "staff")
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "clerk", "/api/v1/tickets/")
    assert page.title() == "Tickets – TicketFlower"
    page.locator("a[name=html-tab]").first.click()
    page.fill("#post-object-form input[name=ticket_definition]", str(ticket_definition))
    page.fill("#post-object-form textarea[name=fields]", '{"amount": 42, "title": "Taxi"}')
    tab.shot("ticket-form")
    _post_html_form(tab)
    assert "HTTP 201 Created" in page.locator(".response-info").inner_text()
    ticket = _shown_json(tab)
    assert ticket["workflow_instance"]["status"] == "IN_PROGRESS"
    task = ticket["tasks"][0]["id"]

    page.goto(f"{base}/api/v1/tasks/{task}/claim/")
    assert page.title() == "Task: claim – TicketFlower"
    assert "405" not in page.locator(".response-info").inner_text()
    with page.expect_navigation():
        page.click("form button.btn-primary:has-text('POST')")
    assert _shown_json(tab)["status"] == "IN_PROGRESS"

    page.goto(f"{base}/api/v1/tasks/{task}/complete/")
    page.locator("a[name=html-tab]").first.click()
    page.fill("#post-object-form textarea[name=output]", '{"approved": false, "comment": "no"}')
    tab.shot("complete-form")
    _post_html_form(tab)
    outcome = _shown_json(tab)
    assert outcome["task"]["status"] == "COMPLETED"

    page.goto(f"{base}/api/v1/files/")
    page.locator("a[name=html-tab]").first.click()
    page.set_input_files(
        "#post-object-form input[name=file]",
        files=[{"name": "receipt.txt", "mimeType": "text/plain", "buffer": b"paid 42"}],
    )
    page.fill("#post-object-form input[name=ticket]", str(ticket["id"]))
    tab.shot("upload-form")
    _post_html_form(tab)
    uploaded = _shown_json(tab)
    assert (uploaded["filename"], uploaded["ticket"], uploaded["size"]) == (
        "receipt.txt",
        ticket["id"],
        7,
    )
    tab.shot("uploaded")

    # What the forms did is in the database.
    from ticketflower.runs.models import FileUpload, TaskInstance

    with schema_context(committed_tenant.slug):
        done = TaskInstance.objects.get(pk=task)
        assert (done.status, done.output) == ("COMPLETED", {"approved": False, "comment": "no"})
        assert done.completed_by.username == "clerk"
        stored = FileUpload.objects.get(pk=uploaded["id"])
        assert stored.ticket_id == ticket["id"] and stored.uploaded_by.username == "clerk"
    assert re.search(r"/api/v1/files/\d+/download/", uploaded["download"])
