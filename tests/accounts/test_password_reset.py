"""Password reset: asked by username or email, always answered the same; the emailed link
sets a new password once (Django's validators), not after the password changed, not
after its hour, and only on its company's host. Requests are throttled."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_tenants.utils import schema_context

from tests.accounts.support import link_of, path_of, send_outbox
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lilac-ferry-orbit-42"
SENT = "If an account with this username or email exists, we sent it a link to set a new password."


@pytest.fixture(autouse=True)
def _links_and_counters(settings):
    from django.core.cache import caches

    settings.PAGE_URL_TEMPLATE = "https://{domain}{path}"
    caches["counters"].clear()
    yield
    caches["counters"].clear()


def _person(helper, username="sam", email="sam@example.com"):
    user = helper.user(username, "staff")
    with schema_context(helper.slug):
        User.objects.filter(pk=user.pk).update(email=email)
    return user


def _ask(helper, login, address="10.0.0.1"):
    return helper.anonymous().post(
        "/api/v1/auth/password-reset/", {"login": login}, format="json", REMOTE_ADDR=address
    )


def _link(helper, login="sam") -> tuple[str, str]:
    """The uid and token of the link emailed for `login`."""
    assert _ask(helper, login).status_code == 202
    message = send_outbox(helper)[-1]
    _, reset, uid, token, _ = path_of(link_of(message)).split("/")
    assert reset == "reset"
    return uid, token


def _confirm(helper, uid, token, password=NEW_PASSWORD):
    body = {"uid": uid, "token": token, "password": password}
    return helper.anonymous().post("/api/v1/auth/password-reset/confirm/", body, format="json")


def _logs_in(helper, username, password) -> bool:
    body = {"username": username, "password": password}
    return helper.anonymous().post("/api/v1/auth/token/", body, format="json").status_code == 200


def test_a_reset_link_is_emailed_without_any_password_and_sets_a_new_one_once(alpha):
    _person(alpha)
    token_of_api = alpha.token("sam")  # an API token issued under the old password
    answer = _ask(alpha, "sam")
    assert answer.status_code == 202 and answer.json() == {"detail": SENT}
    [message] = send_outbox(alpha)
    assert message.to == ["sam@example.com"]
    assert message.subject == "Set a new password for Alpha on TicketFlower"
    assert PASSWORD not in message.body
    link = link_of(message)
    assert link.startswith("https://alpha.localhost/reset/")
    _, _, uid, token, _ = path_of(link).split("/")

    done = _confirm(alpha, uid, token)
    assert done.status_code == 200, done.json()
    assert _logs_in(alpha, "sam", NEW_PASSWORD) and not _logs_in(alpha, "sam", PASSWORD)
    old_token = alpha.anonymous()
    old_token.credentials(HTTP_AUTHORIZATION=f"Token {token_of_api}")
    assert old_token.get("/api/v1/me/").status_code == 401

    again = _confirm(alpha, uid, token, password="another-fine-passphrase")
    assert again.status_code == 400
    assert [e["pointer"] for e in again.json()["errors"]] == ["/token"]
    assert _logs_in(alpha, "sam", NEW_PASSWORD)


def test_a_reset_link_asked_by_email_address_works_too(alpha):
    _person(alpha)
    uid, token = _link(alpha, "SAM@example.com")
    assert _confirm(alpha, uid, token).status_code == 200


def test_a_link_stops_working_once_the_password_changed_otherwise(alpha):
    from ticketflower.accounts.services import do_update_user

    user = _person(alpha)
    uid, token = _link(alpha)
    with schema_context("alpha"):
        do_update_user(User.objects.get(pk=user.pk), password="changed-by-the-admin-9")
    refused = _confirm(alpha, uid, token)
    assert refused.status_code == 400
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/token"]
    assert _logs_in(alpha, "sam", "changed-by-the-admin-9")


def test_a_link_expires_after_password_reset_timeout(alpha, settings):
    _person(alpha)
    uid, token = _link(alpha)
    settings.PASSWORD_RESET_TIMEOUT = -1  # the hour is over
    assert _confirm(alpha, uid, token).status_code == 400
    settings.PASSWORD_RESET_TIMEOUT = 3600
    assert _confirm(alpha, uid, token).status_code == 200


def test_an_unknown_login_gets_the_same_answer_and_no_email(alpha):
    _person(alpha)
    inactive = _person(alpha, "gone", "gone@example.com")
    with schema_context("alpha"):
        User.objects.filter(pk=inactive.pk).update(is_active=False)
    answers = [_ask(alpha, login) for login in ("sam", "nobody", "no@example.com", "gone")]
    assert {(a.status_code, a.content) for a in answers} == {(202, answers[0].content)}
    assert [m.to for m in send_outbox(alpha)] == [["sam@example.com"]]

    web = [
        Client(HTTP_HOST=alpha.host).post("/password-reset/", {"login": login}, follow=True)
        for login in ("sam", "nobody")
    ]
    assert [p.redirect_chain for p in web] == [[("/password-reset/sent/", 302)]] * 2
    assert web[0].content == web[1].content and SENT in web[0].content.decode()


def test_the_new_password_must_pass_the_validators_at_password(alpha):
    _person(alpha)
    uid, token = _link(alpha)
    weak = _confirm(alpha, uid, token, password="12345678")
    assert weak.status_code == 400
    errors = weak.json()["errors"]
    assert {e["pointer"] for e in errors} == {"/password"}
    assert "This password is too common." in [e["message"] for e in errors]
    like_the_name = _confirm(alpha, uid, token, password="sam@example.com")
    assert [e["pointer"] for e in like_the_name.json()["errors"]] == ["/password"]
    # Refusals do not use the link up.
    assert _confirm(alpha, uid, token).status_code == 200


def test_a_link_of_one_company_does_nothing_on_another_companys_host(alpha, beta):
    # Both companies' admin has id 1 in their own schema: the uid alone names both.
    with schema_context("alpha"):
        User.objects.filter(username="admin").update(email="boss@example.com")
    with schema_context("beta"):
        User.objects.filter(username="admin").update(email="boss@example.com")
        beta_hash = User.objects.get(username="admin").password
    uid, token = _link(alpha, "admin")
    refused = _confirm(beta, uid, token)
    assert refused.status_code == 400
    assert [e["pointer"] for e in refused.json()["errors"]] == ["/token"]
    page = Client(HTTP_HOST=beta.host).get(f"/reset/{uid}/{token}/", follow=True)
    assert "This link does not work" in page.content.decode()
    with schema_context("beta"):
        assert User.objects.get(username="admin").password == beta_hash
    assert _confirm(alpha, uid, token).status_code == 200


def test_reset_requests_are_throttled_per_login_and_per_client_address(alpha, settings):
    settings.PASSWORD_RESETS_PER_LOGIN = 2
    settings.PASSWORD_RESETS_PER_ADDRESS = 4
    _person(alpha)
    assert [_ask(alpha, "sam", f"10.0.0.{i}").status_code for i in range(3)] == [202, 202, 429]
    refused = _ask(alpha, "sam", "10.0.0.9")
    assert refused.json()["type"] == "throttled" and int(refused["Retry-After"]) > 0
    assert len(send_outbox(alpha)) == 2
    # One address asking for many logins is held back too, whoever they name.
    flood = [_ask(alpha, f"nobody{i}", "10.1.1.1").status_code for i in range(5)]
    assert flood == [202] * 4 + [429]
    page = Client(HTTP_HOST=alpha.host).post(
        "/password-reset/", {"login": "nobody9"}, REMOTE_ADDR="10.1.1.1"
    )
    assert page.status_code == 429 and "Too many requests" in page.content.decode()


def test_the_reset_pages_set_the_password_once_and_log_in(alpha):
    _person(alpha)
    login_page = Client(HTTP_HOST=alpha.host).get("/login/").content.decode()
    assert 'href="/password-reset/">Forgot your password?' in login_page
    uid, token = _link(alpha)
    browser = Client(HTTP_HOST=alpha.host)
    form = browser.get(f"/reset/{uid}/{token}/", follow=True)
    # The token left the address bar for the session before the form shows.
    assert form.redirect_chain == [(f"/reset/{uid}/set-password/", 302)]
    assert "Set a new password" in form.content.decode()
    weak = browser.post(
        f"/reset/{uid}/set-password/", {"new_password1": "123", "new_password2": "123"}
    )
    assert "This password is too short." in weak.content.decode()
    done = browser.post(
        f"/reset/{uid}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[0] == ("/inbox/", 302)
    assert "Your new password is set" in done.content.decode()
    assert browser.get("/api/v1/me/").json()["user"]["username"] == "sam"
    again = Client(HTTP_HOST=alpha.host).get(f"/reset/{uid}/{token}/", follow=True)
    assert "This link does not work" in again.content.decode()
    assert _logs_in(alpha, "sam", NEW_PASSWORD)
