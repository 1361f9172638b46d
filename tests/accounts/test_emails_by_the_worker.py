"""The invitation and reset emails with real parts: committed in the request's
transaction, sent after the commit by a worker process through Django's file backend,
their links working on the company's host."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client
from django_tenants.utils import schema_context

from tests.accounts.support import LINK, path_of
from tests.actions.support import wait_for
from tests.notifications.support import emails_to

NEW_PASSWORD = "lilac-ferry-orbit-42"


def _link(mail_dir, address: str) -> str:
    [message] = wait_for(lambda: emails_to(mail_dir, address))
    [link] = LINK.findall(message.get_payload())
    return link


def test_a_worker_sends_the_invitation_and_the_reset_link_after_the_commit(
    committed_tenant, worker, mail_dir
):
    from django.core.cache import caches

    caches["counters"].clear()  # reset requests counted by earlier runs
    helper = committed_tenant
    admin = helper.client("boss", "tenant_admin")
    invited = admin.post(
        "/api/v1/invitations/",
        {"email": "nina@example.com", "roles": ["ticket_admin"]},
        format="json",
    )
    assert invited.status_code == 201, invited.json()
    link = _link(mail_dir, "nina@example.com")
    assert link.startswith(f"https://{helper.host}/invite/")
    browser = Client(HTTP_HOST=helper.host)
    body = {"username": "nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert browser.post(path_of(link), body).status_code == 302
    assert browser.get("/api/v1/me/").json()["roles"] == ["ticket_admin"]
    assert Client(HTTP_HOST=helper.host).post(path_of(link), body).status_code == 410

    asked = helper.anonymous().post(
        "/api/v1/auth/password-reset/", {"login": "nina@example.com"}, format="json"
    )
    assert asked.status_code == 202
    [reset] = wait_for(lambda: emails_to(mail_dir, "nina@example.com")[1:])
    [reset_link] = LINK.findall(reset.get_payload())
    _, _, uid, token, _ = path_of(reset_link).split("/")
    confirm = {"uid": uid, "token": token, "password": "another-" + NEW_PASSWORD}
    answer = helper.anonymous().post("/api/v1/auth/password-reset/confirm/", confirm, format="json")
    assert answer.status_code == 200, answer.json()
    with schema_context(helper.slug):
        assert User.objects.get(username="nina").check_password("another-" + NEW_PASSWORD)
