"""How a client reaches a company: by its host name. A host the service does not answer
and an unknown company both get the JSON error shape, saying what to do."""

from __future__ import annotations

from django.test import Client


def test_a_host_outside_allowed_hosts_gets_a_json_400_saying_how_to_address_a_company(db):
    answer = Client(HTTP_HOST="127.0.0.1:8000").get("/api/v1/")
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["type"] == "bad_request"
    assert "'127.0.0.1:8000'" in body["detail"] and "Host" in body["detail"]
    assert body["errors"][0]["pointer"] == ""


def test_an_unknown_company_host_gets_a_json_404(db):
    answer = Client(HTTP_HOST="nosuch.localhost").get("/api/v1/")
    assert answer.status_code == 404
    assert (
        answer.json()["detail"]
        == "No company is served at 'nosuch.localhost': check the host name."
    )


def test_an_address_with_the_companys_host_header_reaches_it(alpha):
    token = alpha.token("someone")
    answer = Client(HTTP_HOST="alpha.localhost:8000").get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert answer.status_code == 200
    assert answer.json()["tenant"]["slug"] == "alpha"


def test_the_schema_says_how_to_reach_a_company_and_authenticate(alpha):
    schema = alpha.anonymous().get("/api/schema/?format=json").json()
    description = schema["info"]["description"]
    assert "Host: demo.localhost" in description and "Authorization: Token" in description
    assert "Token KEY" in schema["components"]["securitySchemes"]["tokenAuth"]["description"]
