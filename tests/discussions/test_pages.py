"""Comments on the web app's ticket and task pages, with Django's test client: what
staff and ticket admins see, the form's internal-note box, 404 for those who do not see
the ticket and for another company."""

from __future__ import annotations

import re

import pytest

from tests.runs.support import Runner, install, simple_bundle
from tests.web.test_pages import csrf, login


@pytest.fixture
def expense(alpha):
    """A ticket that staff see, with a comment by its submitter and an internal note."""
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 3}).json()
    url = f"/api/v1/tickets/{ticket['id']}/comments/"
    runner.submitter.post(url, {"body": "Receipt attached."}, format="json")
    note = {"body": "Known customer, fine.", "internal": True}
    assert runner.admin.post(url, note, format="json").status_code == 201
    return alpha, ticket


def _post_comment(client, ticket_id, **fields):
    token = csrf(client, f"/tickets/{ticket_id}/")
    return client.post(f"/tickets/{ticket_id}/comments/", {"csrfmiddlewaretoken": token, **fields})


def test_staff_see_the_comments_but_never_internal_notes_nor_their_checkbox(expense):
    helper, ticket = expense
    page = login(helper, "clerk", "staff").get(f"/tickets/{ticket['id']}/").content.decode()
    assert "Receipt attached." in page
    assert "Known customer" not in page
    assert "Internal note" not in page


def test_a_ticket_admin_sees_internal_notes_marked_and_may_write_one(expense):
    helper, ticket = expense
    admin = login(helper, "tess", "ticket_admin")
    page = admin.get(f"/tickets/{ticket['id']}/").content.decode()
    assert "Known customer, fine." in page and "Receipt attached." in page
    assert page.count('<span class="badge tone-bad">Internal note</span>') == 1
    assert 'name="internal"' in page
    answer = _post_comment(admin, ticket["id"], body="Second note", internal="1")
    assert answer.status_code == 302 and answer["Location"].endswith("#comments")
    page = admin.get(f"/tickets/{ticket['id']}/").content.decode()
    assert page.count('<span class="badge tone-bad">Internal note</span>') == 2


def test_an_internal_note_sent_by_staff_is_refused_and_not_written(expense):
    helper, ticket = expense
    clerk = login(helper, "clerk", "staff")
    answer = _post_comment(clerk, ticket["id"], body="sneaky", internal="1")
    assert answer.status_code == 302
    page = clerk.get(f"/tickets/{ticket['id']}/").content.decode()
    assert "Only a ticket_admin writes internal notes." in page
    assert "sneaky" not in page


def test_a_comment_on_a_task_shows_on_its_task_page_and_its_ticket_page(expense):
    helper, ticket = expense
    clerk = login(helper, "clerk", "staff")
    task = ticket["tasks"][0]["id"]
    answer = _post_comment(clerk, ticket["id"], body="On the review", task=str(task))
    assert answer["Location"] == f"/tasks/{task}/#comments"
    task_page = clerk.get(f"/tasks/{task}/").content.decode()
    assert "On the review" in task_page and "Receipt attached." not in task_page
    assert "On the review" in clerk.get(f"/tickets/{ticket['id']}/").content.decode()


def test_someone_who_does_not_see_the_ticket_gets_404_and_writes_nothing(expense):
    helper, ticket = expense
    outsider = login(helper, "olga", "warehouse")
    assert outsider.get(f"/tickets/{ticket['id']}/").status_code == 404
    token = csrf(outsider, "/inbox/")
    answer = outsider.post(
        f"/tickets/{ticket['id']}/comments/", {"csrfmiddlewaretoken": token, "body": "hi"}
    )
    assert answer.status_code == 404
    staff = login(helper, "clerk", "staff").get(f"/tickets/{ticket['id']}/").content.decode()
    assert ">hi<" not in staff


def test_another_company_cannot_comment_on_our_ticket_id(expense, beta):
    _, ticket = expense
    outsider = login(beta, "boss", "ticket_admin")
    token = csrf(outsider, "/inbox/")
    answer = outsider.post(
        f"/tickets/{ticket['id']}/comments/", {"csrfmiddlewaretoken": token, "body": "hi"}
    )
    assert answer.status_code == 404


def test_the_browsable_api_shows_a_tickets_comments_with_a_form_to_add_one(expense):
    helper, ticket = expense
    client = helper.client("tess", "ticket_admin")
    listing = f"/api/v1/tickets/{ticket['id']}/comments/"
    first = client.get(listing).json()["results"][0]["id"]
    for url, title in ((listing, "Comments"), (f"{listing}{first}/", "Comment")):
        answer = client.get(url, HTTP_ACCEPT="text/html")
        html = answer.content.decode()
        assert answer.status_code == 200, url
        assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip() == (
            f"{title} – TicketFlower"
        )
    assert 'name="body"' in client.get(listing, HTTP_ACCEPT="text/html").content.decode()


def test_someone_assigned_a_task_of_a_ticket_they_do_not_see_gets_no_conversation(expense):
    helper, ticket = expense
    task = ticket["tasks"][0]["id"]
    boss = helper.client("boss", "ticket_admin")
    packer_id = helper.user("packer", "warehouse").pk
    assigned = boss.post(f"/api/v1/tasks/{task}/assign/", {"user": packer_id}, format="json")
    assert assigned.status_code == 200, assigned.json()
    packer = login(helper, "packer", "warehouse")
    page = packer.get(f"/tasks/{task}/")
    assert page.status_code == 200
    assert 'id="comments"' not in page.content.decode()
    answer = packer.post(
        f"/tickets/{ticket['id']}/comments/",
        {"csrfmiddlewaretoken": csrf(packer, f"/tasks/{task}/"), "body": "hi", "task": task},
    )
    assert answer.status_code == 404
