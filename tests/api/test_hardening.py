"""The hardening battery's findings, each refused (issue "Hardening"): body limits where
documented, the error shape in development mode too, domains the platform can route."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _json_of_size(size: int) -> bytes:
    body = json.dumps({"ticket_definition": 1, "fields": {"note": ""}})
    padding = size - len(body)
    return json.dumps({"ticket_definition": 1, "fields": {"note": "x" * padding}}).encode()


@pytest.mark.parametrize("path", ["/api/v1/tickets/", "/api/v1/bundles/validate/"])
def test_a_json_body_one_byte_over_the_documented_limit_is_413(alpha, settings, path):
    limit = settings.MAX_JSON_BODY_BYTES
    client = alpha.client("ann", "workflow_creator")
    over = client.post(path, _json_of_size(limit + 1), content_type="application/json")
    assert over.status_code == 413, over.content[:300]
    assert over.json()["type"] == "request_too_large"
    three_mib = client.post(path, _json_of_size(3 * 1024 * 1024), content_type="application/json")
    assert three_mib.status_code == 413
    at_limit = client.post(path, _json_of_size(limit), content_type="application/json")
    assert at_limit.status_code != 413


@override_settings(DEBUG=True)
def test_development_mode_answers_errors_in_the_error_shape_without_the_environment(alpha):
    client = alpha.anonymous()
    unknown = client.get("/api/v1/tickets/1/nothing/here/")
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "not_found"
    assert b"DATABASE_URL" not in unknown.content and b"urlpatterns" not in unknown.content
    big = client.post("/api/v1/auth/token/", _json_of_size(3 * 1024 * 1024),
                      content_type="application/json")  # fmt: skip
    assert big.status_code == 413 and big.json()["type"] == "request_too_large"
    assert b"REDIS_URL" not in big.content
    elsewhere = client.get("/no/such/page/")
    assert elsewhere.status_code == 404 and elsewhere.json()["type"] == "not_found"


# ------------------------------------------------------------------ logins and passwords


@pytest.fixture
def counters():
    """Login failure counters start empty (they live in Redis, across tests)."""
    from django.core.cache import caches

    caches["counters"].clear()
    yield
    caches["counters"].clear()


def _log_in(client, username: str, password: str, address: str = "10.0.0.1"):
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR=address)


def test_repeated_wrong_passwords_are_answered_429_throttled_with_retry_after(
    alpha, settings, counters
):
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    alpha.user("victim")
    client = alpha.anonymous()
    answers = [_log_in(client, "victim", f"guess-{i}").status_code for i in range(5)]
    assert answers == [400] * 5
    refused = _log_in(client, "victim", "correct-horse-battery")  # even the right one
    assert refused.status_code == 429
    assert refused.json()["type"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    # Another company's user of the same name is not affected.
    assert settings.LOGIN_FAILURES_PER_ADDRESS > 6


def test_a_flood_from_one_address_is_throttled_whatever_the_usernames(alpha, settings, counters):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    client = alpha.anonymous()
    answers = [_log_in(client, f"nobody{i}", "x").status_code for i in range(10)]
    assert answers[:8] == [400] * 8 and answers[8:] == [429, 429]
    # Another address is not held back.
    alpha.user("other")
    assert _log_in(client, "other", "correct-horse-battery", "10.0.0.2").status_code == 200


def test_the_web_login_form_is_throttled_too(alpha, settings, counters):
    from django.test import Client

    settings.LOGIN_FAILURES_PER_USERNAME = 3
    alpha.user("pat")
    browser = Client(HTTP_HOST=alpha.host)
    for _ in range(3):
        browser.post("/login/", {"username": "pat", "password": "wrong"})
    page = browser.post("/login/", {"username": "pat", "password": "correct-horse-battery"})
    assert b"Too many failed logins" in page.content
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("password", ["1", "password", "annabel", "12345678901"])
def test_weak_passwords_are_refused_with_djangos_reasons(alpha, password):
    admin = alpha.client("boss", "tenant_admin")
    answer = admin.post("/api/v1/users/", {"username": "annabel", "password": password},
                        format="json")  # fmt: skip
    assert answer.status_code == 400, answer.json()
    assert {e["pointer"] for e in answer.json()["errors"]} == {"/password"}
    strong = admin.post("/api/v1/users/", {"username": "annabel", "password": "Quiet-Lake-2041"},
                        format="json")  # fmt: skip
    assert strong.status_code == 201, strong.json()


def test_an_integer_username_is_refused_not_turned_into_text(alpha):
    answer = alpha.anonymous().post(
        "/api/v1/auth/token/", {"username": 42, "password": "x"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/username"


# ------------------------------------------------------------------ the last admin


def test_the_last_tenant_admin_cannot_be_demoted_deactivated_or_deleted(alpha):
    from django.contrib.auth.models import Group, User
    from django_tenants.utils import schema_context

    with schema_context("alpha"):  # the test company's own admin: out of the way
        Group.objects.get(name="tenant_admin").user_set.exclude(username="boss").delete()
    admin = alpha.client("boss", "tenant_admin")
    me = alpha.user("boss").pk
    for change in ({"roles": []}, {"is_active": False}):
        answer = admin.patch(f"/api/v1/users/{me}/", change, format="json")
        assert answer.status_code == 409, answer.json()
        assert "last tenant_admin" in answer.json()["detail"]
    assert admin.delete(f"/api/v1/users/{me}/").status_code == 409
    with schema_context("alpha"):
        assert User.objects.get(pk=me).groups.filter(name="tenant_admin").exists()
    # With a second admin, the first may step down.
    alpha.user("second", "tenant_admin")
    assert admin.patch(f"/api/v1/users/{me}/", {"roles": []}, format="json").status_code == 200


# ------------------------------------------------------------------ tokens


def test_tokens_are_one_per_login_listed_without_keys_and_revocable(alpha, counters):
    alpha.user("dana")
    client = alpha.anonymous()
    first = _log_in(client, "dana", "correct-horse-battery").json()
    second = _log_in(client, "dana", "correct-horse-battery").json()
    assert first["token"] != second["token"] and "expires_at" in first
    phone = alpha.anonymous()
    phone.credentials(HTTP_AUTHORIZATION=f"Token {first['token']}")
    listed = phone.get("/api/v1/auth/tokens/").json()["results"]
    assert {t["id"] for t in listed} >= {first["id"], second["id"]}
    assert all("token" not in t and len(t["prefix"]) == 8 for t in listed)
    assert [t["current"] for t in listed if t["id"] == first["id"]] == [True]
    # Log out: the token of the request is revoked, the other still works.
    assert phone.delete("/api/v1/auth/token/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    laptop = alpha.anonymous()
    laptop.credentials(HTTP_AUTHORIZATION=f"Token {second['token']}")
    assert laptop.get("/api/v1/me/").status_code == 200
    assert laptop.delete(f"/api/v1/auth/tokens/{second['id']}/").status_code == 204
    assert laptop.get("/api/v1/me/").status_code == 401


def test_an_expired_token_is_refused_and_another_users_token_cannot_be_revoked(alpha, beta):
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from ticketflower.accounts.models import ApiToken

    client = alpha.client("erin")
    assert client.get("/api/v1/me/").status_code == 200
    with schema_context("alpha"):
        ApiToken.objects.filter(user__username="erin").update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    assert client.get("/api/v1/me/").status_code == 401
    fresh = alpha.client("erin")
    alpha.client("frank")
    with schema_context("alpha"):
        other = ApiToken.objects.filter(user__username="frank").first()
    assert fresh.delete(f"/api/v1/auth/tokens/{other.pk}/").status_code == 404
    # A token of company A means nothing on company B's host.
    key = alpha.token("gina")
    stranger = beta.anonymous()
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert stranger.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("query", ["limit=abc", "offset=null", "limit=-1", "limit=0", "offset=1.5"])
def test_page_parameters_that_are_not_whole_numbers_are_refused_at_their_pointer(alpha, query):
    answer = alpha.client("ann").get(f"/api/v1/tickets/?{query}")
    assert answer.status_code == 400, answer.json()
    assert answer.json()["errors"][0]["pointer"] == "/" + query.split("=")[0]
    assert alpha.client("ann").get("/api/v1/tickets/?limit=5&offset=0").status_code == 200


def test_an_empty_body_to_validate_or_simulate_is_a_parse_error(alpha):
    designer = alpha.client("dee", "workflow_creator")
    from tests.runs.support import install, simple_bundle

    workflow = install(alpha, simple_bundle())
    for path in ("/api/v1/bundles/validate/", f"/api/v1/workflows/{workflow['id']}/simulate/"):
        answer = designer.post(path, b"", content_type="application/json")
        assert answer.status_code == 400, (path, answer.json())
        assert answer.json()["type"] == "parse_error"


def test_the_schema_says_request_bodies_refuse_unknown_fields(alpha):
    schema = alpha.anonymous().get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert components["TicketSubmitRequest"]["additionalProperties"] is False
    assert components["UserRequest"]["additionalProperties"] is False
    answer = alpha.client("ann").post("/api/v1/tickets/", {"ticket_definition": 1, "colour": 1},
                                      format="json")  # fmt: skip
    assert "/colour" in {e["pointer"] for e in answer.json()["errors"]}


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted_not_the_proxy(
    alpha, settings, counters
):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    client = alpha.anonymous()

    def attempt(forwarded: str) -> int:
        body = {"username": "nobody", "password": "x"}
        return client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR="127.0.0.1",
                            HTTP_X_FORWARDED_FOR=forwarded).status_code  # fmt: skip

    settings.TRUSTED_PROXIES = frozenset({"127.0.0.1"})
    assert [attempt("203.0.113.5") for _ in range(4)] == [400, 400, 400, 429]
    assert attempt("203.0.113.6") == 400  # another client behind the same proxy
    assert attempt("1.2.3.4, 203.0.113.5") == 429  # a prepended hop changes nothing
    settings.TRUSTED_PROXIES = frozenset()  # untrusted: the header is ignored
    spoofed = [attempt(f"198.51.100.{i}") for i in range(4)]  # all counted on the peer
    assert spoofed == [400, 400, 400, 429]
