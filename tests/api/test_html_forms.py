"""The browsable API's HTML forms work: a logged-in person posts them with the CSRF token
they carry; JSON bodies keep refusing keys the endpoint does not take."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from django.test import Client

from tests.helpers import PASSWORD


def session(helper, username: str, *roles: str) -> Client:
    """A browser-like client of the company's host, logged in through the login page, with
    Django's CSRF checks on as in a browser."""
    helper.user(username, *roles)
    client = Client(enforce_csrf_checks=True, HTTP_HOST=helper.host)
    page = client.get("/api/auth/login/")
    assert page.status_code == 200
    answer = client.post(
        "/api/auth/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(page)},
    )
    assert answer.status_code == 302, answer.content[:500]
    return client


def csrf(page) -> str:
    """The CSRF token of the form on an HTML page."""
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert found, "the page holds no CSRF token"
    return found.group(1).decode()


def test_the_html_form_creates_a_role_with_its_csrf_token(alpha):
    client = session(alpha, "root", "tenant_admin")
    page = client.get("/api/v1/roles/", HTTP_ACCEPT="text/html")
    answer = client.post(
        "/api/v1/roles/",
        {"name": "sales", "csrfmiddlewaretoken": csrf(page)},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 201, answer.content[:500]
    assert answer.json()["name"] == "sales"


def test_a_form_without_its_csrf_token_is_refused(alpha):
    client = session(alpha, "root", "tenant_admin")
    answer = client.post("/api/v1/roles/", {"name": "sales"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 403
    assert answer.json()["type"] == "permission_denied"


def test_the_raw_content_keys_of_a_multipart_form_are_not_fields(alpha):
    client = session(alpha, "root", "tenant_admin")
    page = client.get("/api/v1/roles/", HTTP_ACCEPT="text/html")
    form = {
        "name": "buyers",
        "csrfmiddlewaretoken": csrf(page),
        "_content_type": "application/json",
        "_content": "",
    }
    answer = client.post("/api/v1/roles/", form, HTTP_ACCEPT="application/json")
    assert answer.status_code == 201, answer.content[:500]


def test_a_json_body_with_a_csrf_key_is_refused_with_its_pointer(alpha):
    admin = alpha.client("root", "tenant_admin")
    answer = admin.post(
        "/api/v1/roles/", {"name": "sales", "csrfmiddlewaretoken": "x"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"pointer": "/csrfmiddlewaretoken", "message": "Unknown field."}
    ]


def test_a_form_with_an_unknown_field_is_still_refused(alpha):
    client = session(alpha, "root", "tenant_admin")
    page = client.get("/api/v1/roles/", HTTP_ACCEPT="text/html")
    form = {"name": "sales", "colour": "red", "csrfmiddlewaretoken": csrf(page)}
    answer = client.post("/api/v1/roles/", form, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"pointer": "/colour", "message": "Unknown field."}]


def test_a_ticket_is_submitted_and_its_task_completed_through_html_forms(alpha):
    from tests.runs.support import Runner, install, simple_bundle

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    client = session(alpha, "clerk", "staff")
    page = client.get("/api/v1/tickets/", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    # The fields are typed as JSON in a textarea, not refused as "not supported".
    assert 'name="fields"' in html and "not currently supported" not in html
    form = {
        "ticket_definition": str(next(iter(runner.tickets.values()))),
        "fields": '{"amount": 12.5, "title": "train"}',
        "csrfmiddlewaretoken": csrf(page),
    }
    answer = client.post("/api/v1/tickets/", form, HTTP_ACCEPT="application/json")
    assert answer.status_code == 201, answer.content[:500]
    ticket = answer.json()
    task = ticket["tasks"][0]["id"]
    token = csrf(client.get(f"/api/v1/tasks/{task}/claim/", HTTP_ACCEPT="text/html"))
    answer = client.post(
        f"/api/v1/tasks/{task}/claim/", {"csrfmiddlewaretoken": token}, HTTP_ACCEPT="text/html"
    )
    assert answer.status_code == 200, answer.content[:500]
    page = client.get(f"/api/v1/tasks/{task}/complete/", HTTP_ACCEPT="text/html")
    assert 'name="output"' in page.content.decode()
    form = {"output": '{"approved": false}', "csrfmiddlewaretoken": csrf(page)}
    answer = client.post(f"/api/v1/tasks/{task}/complete/", form, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200, answer.content[:500]
    assert runner.history(ticket["id"])["iterations"][-1]["data"]["approved"] is False


def test_form_text_that_is_not_a_json_object_is_a_pointed_error(alpha):
    from tests.runs.support import Runner, install, simple_bundle

    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    client = session(alpha, "clerk", "staff")
    token = csrf(client.get("/api/v1/tickets/", HTTP_ACCEPT="text/html"))
    for text, message in (
        ("{amount: 1}", "Value must be valid JSON."),
        ("[1, 2]", "Expected a JSON object, not an array."),
    ):
        form = {
            "ticket_definition": str(next(iter(runner.tickets.values()))),
            "fields": text,
            "csrfmiddlewaretoken": token,
        }
        answer = client.post("/api/v1/tickets/", form, HTTP_ACCEPT="application/json")
        assert answer.status_code == 400
        assert answer.json()["errors"] == [{"pointer": "/fields", "message": message}]


def test_a_users_roles_are_typed_as_names_in_the_html_form(alpha):
    alpha.user("someone", "staff")  # the role exists
    client = session(alpha, "root", "tenant_admin")
    page = client.get("/api/v1/users/", HTTP_ACCEPT="text/html")
    assert "not currently supported" not in page.content.decode()
    form = {
        "username": "new-clerk",
        "password": "a-long-enough-password-1",
        "roles": "staff, ticket_admin",
        "csrfmiddlewaretoken": csrf(page),
    }
    answer = client.post("/api/v1/users/", form, HTTP_ACCEPT="application/json")
    assert answer.status_code == 201, answer.content[:500]
    assert answer.json()["roles"] == ["staff", "ticket_admin"]
    user = answer.json()["id"]
    # The edit form shows the roles as it takes them back.
    page = client.get(f"/api/v1/users/{user}/", HTTP_ACCEPT="text/html").content.decode()
    shown = re.search(r'<textarea[^>]*name="roles"[^>]*>([^<]*)</textarea>', page)
    assert shown, "no roles textarea on the edit form"
    text = html.unescape(shown.group(1)).strip()
    answer = client.patch(
        f"/api/v1/users/{user}/",
        data=f"roles={quote(text)}",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 200, answer.content[:500]
    assert answer.json()["roles"] == ["staff", "ticket_admin"]
