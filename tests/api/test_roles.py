"""Roles: tenant_admin manages users and roles; other roles cannot."""

import pytest


@pytest.mark.parametrize("role", ["workflow_creator", "ticket_admin", "sales", None])
def test_only_tenant_admin_manages_users_and_roles(alpha, role):
    client = alpha.client("someone", *([role] if role else []))
    assert client.get("/api/v1/users/").status_code == 403
    assert client.get("/api/v1/roles/").status_code == 403
    answer = client.post("/api/v1/roles/", {"name": "x"}, format="json")
    assert answer.status_code == 403
    assert answer.json()["type"] == "permission_denied"


def test_tenant_admin_creates_user_with_roles_who_can_log_in(alpha):
    admin = alpha.client("root", "tenant_admin")
    assert admin.post("/api/v1/roles/", {"name": "sales"}, format="json").status_code == 201
    answer = admin.post(
        "/api/v1/users/",
        {"username": "sam", "password": "a-long-enough-pass", "roles": ["sales", "ticket_admin"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["roles"] == ["sales", "ticket_admin"]
    assert "password" not in answer.json()
    token = alpha.anonymous().post(
        "/api/v1/auth/token/", {"username": "sam", "password": "a-long-enough-pass"}, format="json"
    )
    assert token.status_code == 200


def test_builtin_roles_exist_and_cannot_be_deleted(alpha):
    admin = alpha.client("root", "tenant_admin")
    roles = {r["name"]: r for r in admin.get("/api/v1/roles/").json()["results"]}
    assert {"tenant_admin", "workflow_creator", "ticket_admin"} <= set(roles)
    answer = admin.delete(f"/api/v1/roles/{roles['tenant_admin']['id']}/")
    assert answer.status_code == 409
    assert answer.json()["type"] == "conflict"


def test_custom_role_can_be_deleted(alpha):
    admin = alpha.client("root", "tenant_admin")
    role = admin.post("/api/v1/roles/", {"name": "warehouse"}, format="json").json()
    assert role["builtin"] is False
    assert admin.delete(f"/api/v1/roles/{role['id']}/").status_code == 204


def test_role_names_are_validated(alpha):
    admin = alpha.client("root", "tenant_admin")
    answer = admin.post("/api/v1/roles/", {"name": "Bad Name!"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/name"


def test_user_roles_can_be_replaced(alpha):
    admin = alpha.client("root", "tenant_admin")
    user = alpha.user("ursula", "ticket_admin")
    answer = admin.patch(
        f"/api/v1/users/{user.pk}/", {"roles": ["workflow_creator"]}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["roles"] == ["workflow_creator"]


def test_new_password_revokes_the_users_tokens(alpha):
    admin = alpha.client("root", "tenant_admin")
    user = alpha.user("pat")
    pat = alpha.client("pat")
    assert pat.get("/api/v1/me/").status_code == 200
    answer = admin.patch(
        f"/api/v1/users/{user.pk}/", {"password": "a-brand-new-secret"}, format="json"
    )
    assert answer.status_code == 200
    assert pat.get("/api/v1/me/").status_code == 401
