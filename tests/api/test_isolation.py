"""A company never sees, changes or detects another company's data."""

from django.contrib.auth.models import User
from django_tenants.utils import schema_context


def test_token_of_one_company_is_refused_on_another_companys_host(alpha, beta):
    token = alpha.token("carol", "tenant_admin")
    client = beta.anonymous()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    answer = client.get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["type"] == "authentication_failed"


def test_session_of_one_company_is_refused_on_another_companys_host(alpha, beta):
    alpha.user("carol", "tenant_admin")
    client = alpha.anonymous()
    # Log in through the tenant host so the session row is written in alpha's schema.
    answer = client.post(
        "/api/auth/login/", {"username": "carol", "password": "correct-horse-battery"}
    )
    assert answer.status_code in (200, 302)
    assert client.get("/api/v1/me/").status_code == 200
    session_cookie = client.cookies["sessionid"].value
    other = beta.anonymous()
    other.cookies["sessionid"] = session_cookie
    assert other.get("/api/v1/me/").status_code in (401, 403)
    assert other.get("/api/v1/users/").status_code in (401, 403)


def test_users_list_shows_only_own_companys_users(alpha, beta):
    beta.user("only_in_beta")
    names = [
        u["username"]
        for u in alpha.client("root", "tenant_admin").get("/api/v1/users/").json()["results"]
    ]
    assert "root" in names
    assert "only_in_beta" not in names


def test_user_of_another_company_cannot_be_fetched_by_id(alpha, beta):
    client = alpha.client("root", "tenant_admin")
    with schema_context("alpha"):
        alpha_ids = set(User.objects.values_list("pk", flat=True))
    # Ids come from per-schema sequences: find a beta user whose id alpha does not have.
    n = 0
    stranger = beta.user("stranger0")
    while stranger.pk in alpha_ids:
        n += 1
        stranger = beta.user(f"stranger{n}")
    answer = client.get(f"/api/v1/users/{stranger.pk}/")
    assert answer.status_code == 404
    assert answer.json()["type"] == "not_found"
    assert (
        client.patch(
            f"/api/v1/users/{stranger.pk}/", {"first_name": "X"}, format="json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/users/{stranger.pk}/").status_code == 404
    with schema_context("beta"):
        assert User.objects.get(pk=stranger.pk).first_name == ""


def test_same_id_in_two_companies_shows_each_its_own_user(alpha, beta):
    # Both companies' first user (their admin) has id 1 in their own schema.
    with schema_context("alpha"):
        alpha_admin = User.objects.get(username="admin")
    with schema_context("beta"):
        beta_admin = User.objects.get(username="admin")
    beta.user("beta_only_name")
    with schema_context("beta"):
        User.objects.filter(pk=beta_admin.pk).update(first_name="Beta admin")
    answer = alpha.client("root", "tenant_admin").get(f"/api/v1/users/{alpha_admin.pk}/")
    assert answer.status_code == 200
    assert answer.json()["first_name"] != "Beta admin"


def test_a_host_name_in_capitals_routes_to_the_same_company(alpha):
    client = alpha.client("carol")
    answer = client.get("/api/v1/me/", HTTP_HOST=alpha.host.upper())
    assert answer.status_code == 200
    assert answer.json()["tenant"]["slug"] == "alpha"


def test_unknown_host_is_a_json_404(db, client):
    answer = client.get("/api/v1/me/", HTTP_HOST="nobody.localhost")
    assert answer.status_code == 404
    assert answer.json()["type"] == "not_found"


def test_platform_endpoints_are_unreachable_from_tenant_hosts(alpha):
    client = alpha.client("root", "tenant_admin")
    assert client.get("/api/v1/platform/tenants/").status_code == 404
    answer = client.post("/api/v1/platform/tenants/", {"slug": "evil"}, format="json")
    assert answer.status_code == 404
