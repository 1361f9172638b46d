"""The web app's pages with Django's test client: who sees which page, tenant isolation,
and a bounded number of queries per page whatever the company's size."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import PASSWORD
from tests.runs.support import Runner, install, simple_bundle


def login(helper, username: str, *roles: str) -> Client:
    """A browser-like client logged in through the login page, CSRF checks on."""
    helper.user(username, *roles)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=helper.host)
    page = client.get("/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    answer = client.post(
        "/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.decode()},
    )
    assert answer.status_code == 302, answer.content[:300]
    return client


def csrf(client: Client, url: str) -> str:
    page = client.get(url)
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


def test_pages_need_a_login(alpha):
    for url in ("/inbox/", "/tickets/", "/tickets/new/", "/errors/", "/people/"):
        answer = Client(HTTP_HOST=alpha.host).get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/"), url


def test_another_companys_tickets_and_tasks_are_unreachable_by_any_url(alpha, beta):
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 1}).json()
    task = ticket["tasks"][0]["id"]
    outsider = login(beta, "boss", "ticket_admin", "tenant_admin")
    for url in (f"/tickets/{ticket['id']}/", f"/tasks/{task}/"):
        assert outsider.get(url).status_code == 404, url
    token = csrf(outsider, "/inbox/")
    answer = outsider.post(f"/tasks/{task}/claim/", {"csrfmiddlewaretoken": token})
    assert answer.status_code == 404
    assert "Expense" not in outsider.get("/tickets/").content.decode()


def test_only_a_tenant_admin_manages_people(alpha):
    clerk = login(alpha, "clerk", "staff")
    assert clerk.get("/people/").status_code == 403
    admin = login(alpha, "root", "tenant_admin")
    token = csrf(admin, "/people/")
    answer = admin.post("/people/roles/", {"name": "manager", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    answer = admin.post(
        "/people/",
        {
            "username": "newbie",
            "password": "a-long-enough-password-1",
            "roles": ["manager"],
            "csrfmiddlewaretoken": token,
        },
    )
    assert answer.status_code == 302, answer.content[:500]
    from django_tenants.utils import schema_context

    with schema_context("alpha"):
        from django.contrib.auth.models import User

        newbie = User.objects.get(username="newbie")
        assert [g.name for g in newbie.groups.all()] == ["manager"]
    # A taken username is refused with the service's reason; nothing changes.
    answer = admin.post(
        "/people/",
        {"username": "newbie", "password": "another-password-2", "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 200
    assert re.search(r'class="error"[^>]*>username: [^<]*exists', answer.content.decode())
    with schema_context("alpha"):
        assert User.objects.get(username="newbie").check_password("a-long-enough-password-1")


@pytest.mark.parametrize("url", ["/inbox/", "/tickets/", "/tickets/?q=taxi", "/errors/"])
def test_a_pages_queries_do_not_grow_with_the_company(alpha, url):
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    admin = login(alpha, "boss", "ticket_admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url).status_code == 200
        return len(queries)

    runner.submit({"amount": 1, "title": "taxi"})
    few = count()
    for n in range(6):
        runner.submit({"amount": n, "title": f"taxi {n}"})
    assert count() == few, f"{url}: more rows, more queries"


def test_a_tickets_page_has_a_bounded_number_of_queries(alpha):
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    admin = login(alpha, "boss", "ticket_admin")
    ticket = runner.submit({"amount": 3}).json()["id"]
    with CaptureQueriesContext(connection) as queries:
        assert admin.get(f"/tickets/{ticket}/").status_code == 200
    assert len(queries) <= 20


def test_tickets_are_filtered_by_status_type_and_date(alpha):
    from django.utils import timezone

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    admin = login(alpha, "boss", "ticket_admin")
    runner.submit({"amount": 1, "title": "first"})
    today = timezone.now().date().isoformat()

    def shown(query: str) -> int:
        return admin.get(f"/tickets/?{query}").content.decode().count('class="card"')

    assert shown(f"since={today}") == 1
    assert shown("until=2000-01-01") == 0
    assert shown("status=IN_PROGRESS") == 1 and shown("status=COMPLETED") == 0
    kind = runner.workflow["tickets"][0]["id"]
    assert shown(f"ticket_definition={kind}") == 1 and shown("ticket_definition=999999") == 0
    assert shown("since=not-a-date") == 1  # an invalid date filters nothing, no 500


def test_the_tickets_list_pages_keep_the_filters_and_show_status_labels(alpha, monkeypatch):
    from ticketflower.web import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    admin = login(alpha, "boss", "ticket_admin")
    for n in range(3):
        runner.submit({"amount": n, "title": f"taxi {n}"})
    page = admin.get("/tickets/?q=taxi&status=IN_PROGRESS").content.decode()
    assert "Page 1 of 3" in page
    assert 'href="?q=taxi&amp;status=IN_PROGRESS&amp;page=2"' in page
    assert '<span class="badge tone-todo" data-status="IN_PROGRESS">In progress</span>' in page


def test_a_bad_filter_value_is_explained_not_a_500(alpha):
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    admin = login(alpha, "boss", "ticket_admin")
    runner.submit({"amount": 1})
    answer = admin.get("/tickets/?status=SOMEDAY&ticket_definition=x")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert (
        "status: Select a valid choice" in text
        and "ticket_definition: Enter a whole number" in text
    )


def test_a_task_page_says_why_an_action_is_still_waiting(alpha):
    from django_tenants.utils import schema_context

    from ticketflower.runs.models import TaskInstance

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 2}).json()
    review = ticket["tasks"][0]["id"]
    runner.admin.post(f"/api/v1/tasks/{review}/complete/", {"output": {"approved": True}},
                      format="json")  # fmt: skip
    with schema_context(alpha.slug):
        archive = TaskInstance.objects.get(task_definition__title="Archive")
        assert archive.status == "PENDING" and archive.due_at is not None
        TaskInstance.objects.filter(pk=archive.pk).update(
            dispatches=2, last_failure="could not reach the workers: ConnectionError"
        )
    admin = login(alpha, "boss", "ticket_admin")
    page = admin.get(f"/tasks/{archive.pk}/").content.decode()
    assert "Handed to the workers 2 times; last: could not reach the workers" in page
    assert "looked at again by " in page
