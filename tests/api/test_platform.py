"""Platform operators provision companies on the public host."""

import pytest
from django.contrib.auth.models import User
from django_tenants.utils import schema_context, schema_exists
from rest_framework.test import APIClient

from tenants.models import Company, Domain


def platform_client(staff: bool = True) -> APIClient:
    with schema_context("public"):
        user, _ = User.objects.get_or_create(username="operator" if staff else "nobody")
        user.is_staff = staff
        user.save()
        from ticketflower.accounts.tokens import issue_token

        token = issue_token(user, "test")[1]
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_platform_admin_creates_a_company_whose_admin_can_log_in(db):
    client = platform_client()
    answer = client.post(
        "/api/v1/platform/tenants/",
        {
            "slug": "gamma",
            "name": "Gamma Ltd",
            "admin": {"username": "boss", "password": "s3cret-pass"},
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["domains"] == ["gamma.localhost"]
    token = APIClient(HTTP_HOST="gamma.localhost").post(
        "/api/v1/auth/token/", {"username": "boss", "password": "s3cret-pass"}, format="json"
    )
    assert token.status_code == 200
    me = APIClient(HTTP_HOST="gamma.localhost", HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert me.get("/api/v1/me/").json()["roles"] == ["tenant_admin"]
    listed = [t["slug"] for t in client.get("/api/v1/platform/tenants/").json()]
    assert "gamma" in listed and "public" not in listed


@pytest.mark.parametrize(
    "body,pointer",
    [
        ({"slug": "Bad Slug", "admin": {"password": "s3cret-pass"}}, "/slug"),
        ({"slug": "public", "admin": {"password": "s3cret-pass"}}, "/slug"),
        ({"slug": "alpha", "admin": {"password": "s3cret-pass"}}, "/slug"),
        ({"slug": "delta"}, "/admin"),
        ({"slug": "delta", "admin": {"password": "short"}}, "/admin/password"),
        (
            {"slug": "delta", "domain": "alpha.localhost", "admin": {"password": "s3cret-pass"}},
            "/domain",
        ),
        # Served as acme.localhost (the www. is stripped when routing): unreachable.
        (
            {"slug": "delta", "domain": "www.acme.localhost", "admin": {"password": "s3cret-pass"}},
            "/domain",
        ),
    ],
)
def test_invalid_company_requests_are_refused_with_pointers(db, body, pointer):
    answer = platform_client().post("/api/v1/platform/tenants/", body, format="json")
    assert answer.status_code == 400
    assert pointer in {p["pointer"] for p in answer.json()["errors"]}
    assert not schema_exists("delta")


def test_non_staff_user_of_public_schema_is_forbidden(db):
    answer = platform_client(staff=False).get("/api/v1/platform/tenants/")
    assert answer.status_code == 403


def test_anonymous_is_refused_on_platform_endpoints(db):
    assert APIClient(HTTP_HOST="localhost").get("/api/v1/platform/tenants/").status_code == 401


def test_deletion_needs_the_slug_repeated(db):
    client = platform_client()
    client.post(
        "/api/v1/platform/tenants/",
        {"slug": "epsilon", "admin": {"password": "s3cret-pass"}},
        format="json",
    )
    refused = client.delete("/api/v1/platform/tenants/epsilon/")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/confirm"
    assert schema_exists("epsilon")
    assert client.delete("/api/v1/platform/tenants/epsilon/?confirm=epsilon").status_code == 204
    assert not schema_exists("epsilon")
    assert not Company.objects.filter(schema_name="epsilon").exists()
    assert not Domain.objects.filter(domain="epsilon.localhost").exists()
