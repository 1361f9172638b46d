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
