"""Tokens, the current user, and credentials that mean nothing in another company."""

from tests.helpers import PASSWORD


def test_token_for_valid_credentials_authenticates_me(alpha):
    alpha.user("carol", "workflow_creator")
    client = alpha.anonymous()
    answer = client.post(
        "/api/v1/auth/token/", {"username": "carol", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["user"]["username"] == "carol"
    assert me["roles"] == ["workflow_creator"]
    assert me["tenant"] == {"slug": "alpha", "name": "Alpha"}


def test_wrong_password_is_refused_in_the_error_shape(alpha):
    alpha.user("carol")
    answer = alpha.anonymous().post(
        "/api/v1/auth/token/", {"username": "carol", "password": "nope"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["type"] == "authentication_failed"


def test_me_without_credentials_is_401(alpha):
    answer = alpha.anonymous().get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["type"] == "not_authenticated"


def test_token_authentication_reads_the_users_roles_with_the_token(alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    from ticketflower.accounts.authentication import TokenAuthentication
    from ticketflower.accounts.roles import role_names

    key = alpha.token("dora", "ticket_admin", "staff")
    nobody = alpha.token("eve")
    with schema_context("alpha"):
        # The first use writes when it was used (its expiry slides), at most once an hour.
        TokenAuthentication().authenticate_credentials(key)
        with CaptureQueriesContext(connection) as captured:
            user, token = TokenAuthentication().authenticate_credentials(key)
            assert role_names(user) == {"ticket_admin", "staff"}
            assert token.user == user and token.last_used_at is not None
        statements = [q["sql"] for q in captured.captured_queries]
        assert len([sql for sql in statements if not sql.startswith("SET ")]) == 1
        user, _ = TokenAuthentication().authenticate_credentials(nobody)
        assert role_names(user) == set()


def test_token_of_an_inactive_user_is_refused(alpha):
    from django_tenants.utils import schema_context

    client = alpha.client("frank", "staff")
    with schema_context("alpha"):
        from django.contrib.auth.models import User

        User.objects.filter(username="frank").update(is_active=False)
    answer = client.get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["type"] == "authentication_failed"


def test_a_token_holding_a_nul_character_is_401_not_500(alpha):
    client = alpha.anonymous()
    client.credentials(HTTP_AUTHORIZATION="Token abc\x00def")
    answer = client.get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["type"] == "authentication_failed"
