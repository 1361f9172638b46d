"""Invitations: a tenant admin invites a colleague by email with roles; the emailed link
works once, not after its time, not once withdrawn, and only on its company's host. No
password is ever sent, and the token is stored only as its hash."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.accounts.support import link_of, path_of, send_outbox, web_login
from tests.helpers import PASSWORD
from ticketflower.accounts.models import Invitation
from ticketflower.notifications.models import Delivery

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lilac-ferry-orbit-42"


@pytest.fixture(autouse=True)
def _links(settings):
    settings.PAGE_URL_TEMPLATE = "https://{domain}{path}"


def _invite(helper, email="nina@example.com", roles=("staff", "sales"), **more):
    with schema_context(helper.slug):
        for name in roles:  # the company's roles
            Group.objects.get_or_create(name=name)
    admin = helper.client("root", "tenant_admin")
    answer = admin.post(
        "/api/v1/invitations/", {"email": email, "roles": list(roles), **more}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    # The newest email to the address is this invitation's.
    message = [m for m in send_outbox(helper) if m.to == [email]][-1]
    return answer.json(), message


def _accept(helper, path, username="nina", password=NEW_PASSWORD) -> tuple[Client, object]:
    browser = Client(HTTP_HOST=helper.host)
    page = browser.post(path, {"username": username, "password1": password, "password2": password})
    return browser, page


def test_an_invitation_email_carries_a_link_to_the_company_and_no_password(alpha):
    invitation, message = _invite(alpha, username="nina")
    assert invitation["status"] == "pending" and invitation["roles"] == ["staff", "sales"]
    assert "token" not in str(invitation) and "token_hash" not in invitation
    assert message.subject == "root invited you to Alpha on TicketFlower"
    link = link_of(message)
    assert link.startswith("https://alpha.localhost/invite/")
    assert "password" not in message.body.replace("username and password", "")
    assert PASSWORD not in message.body
    token = path_of(link).split("/")[2]
    with schema_context("alpha"):
        row = Invitation.objects.get(pk=invitation["id"])
        # Only the token's hash is kept; the token is nowhere in the row.
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert all(token not in str(getattr(row, f.attname)) for f in row._meta.fields)
        assert row.expires_at - row.created_at == timedelta(days=7)
    with schema_context("alpha"):
        # The outbox row forgot the link once the email was sent.
        sent = Delivery.objects.get(kind="invitation")
        assert sent.status == "SENT" and token not in f"{sent.link} {sent.text}"


def test_an_accepted_invitation_makes_a_user_with_the_roles_logged_in_and_works_once(alpha):
    invitation, message = _invite(alpha, username="nina")
    path = path_of(link_of(message))
    browser = Client(HTTP_HOST=alpha.host)
    form = browser.get(path)
    assert form.status_code == 200
    assert 'value="nina"' in form.content.decode()  # the suggested username, filled in
    assert "nina@example.com" in form.content.decode()

    browser, page = _accept(alpha, path, username="nina.k")
    assert page.status_code == 302 and page["Location"] == "/inbox/"
    me = browser.get("/api/v1/me/").json()
    assert me["user"]["username"] == "nina.k" and me["user"]["email"] == "nina@example.com"
    assert me["roles"] == ["sales", "staff"]
    listed = alpha.client("root", "tenant_admin").get("/api/v1/invitations/").json()["results"]
    accepted = next(i for i in listed if i["id"] == invitation["id"])
    assert accepted["status"] == "accepted" and accepted["accepted_at"]
    with schema_context("alpha"):
        assert accepted["user"] == User.objects.get(username="nina.k").pk

    again = Client(HTTP_HOST=alpha.host).get(path)
    assert again.status_code == 410
    assert "This invitation was already used" in again.content.decode()
    _, reused = _accept(alpha, path, username="mallory")
    assert reused.status_code == 410
    with schema_context("alpha"):
        assert not User.objects.filter(username="mallory").exists()


def test_an_expired_invitation_is_refused(alpha):
    invitation, message = _invite(alpha)
    with schema_context("alpha"):
        Invitation.objects.filter(pk=invitation["id"]).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    path = path_of(link_of(message))
    page = Client(HTTP_HOST=alpha.host).get(path)
    assert page.status_code == 410 and "This invitation has expired" in page.content.decode()
    _, accepted = _accept(alpha, path)
    assert accepted.status_code == 410
    with schema_context("alpha"):
        assert not User.objects.filter(username="nina").exists()
    admin = alpha.client("root", "tenant_admin")
    expired = admin.get("/api/v1/invitations/?status=expired").json()["results"]
    assert [i["id"] for i in expired] == [invitation["id"]]
    assert admin.get("/api/v1/invitations/?status=pending").json()["results"] == []


def test_a_revoked_invitation_is_refused_and_an_accepted_one_cannot_be_revoked(alpha):
    invitation, message = _invite(alpha)
    admin = alpha.client("root", "tenant_admin")
    assert admin.delete(f"/api/v1/invitations/{invitation['id']}/").status_code == 204
    path = path_of(link_of(message))
    page = Client(HTTP_HOST=alpha.host).get(path)
    assert page.status_code == 410 and "This invitation was withdrawn" in page.content.decode()
    _, accepted = _accept(alpha, path)
    assert accepted.status_code == 410
    revoked = admin.get("/api/v1/invitations/?status=revoked").json()["results"]
    assert [i["status"] for i in revoked] == ["revoked"]

    second, message = _invite(alpha, email="otto@example.com")
    _accept(alpha, path_of(link_of(message)), username="otto")
    refused = admin.delete(f"/api/v1/invitations/{second['id']}/")
    assert refused.status_code == 409 and refused.json()["type"] == "conflict"


@pytest.mark.parametrize("role", ["staff", "ticket_admin", "workflow_creator"])
def test_only_tenant_admins_invite_list_and_revoke(alpha, role):
    invitation, _ = _invite(alpha)
    other = alpha.client("sam", role)
    body = {"email": "eve@example.com", "roles": ["tenant_admin"]}
    assert other.post("/api/v1/invitations/", body, format="json").status_code == 403
    assert other.get("/api/v1/invitations/").status_code == 403
    assert other.delete(f"/api/v1/invitations/{invitation['id']}/").status_code == 403
    assert alpha.anonymous().get("/api/v1/invitations/").status_code == 401
    browser = web_login(alpha, "sam")
    assert browser.post("/people/invitations/", body).status_code == 403
    with schema_context("alpha"):
        assert not Invitation.objects.filter(email="eve@example.com").exists()


def test_inviting_an_address_of_an_active_user_is_refused_at_email(alpha):
    user = alpha.user("ada")
    with schema_context("alpha"):
        User.objects.filter(pk=user.pk).update(email="Ada@Example.com")
    admin = alpha.client("root", "tenant_admin")
    answer = admin.post("/api/v1/invitations/", {"email": "ada@example.com"}, format="json")
    assert answer.status_code == 400
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/email"]
    unknown_role = admin.post(
        "/api/v1/invitations/", {"email": "bo@example.com", "roles": ["wizard"]}, format="json"
    )
    assert unknown_role.status_code == 400
    assert [e["pointer"] for e in unknown_role.json()["errors"]] == ["/roles/0"]
    not_an_address = admin.post("/api/v1/invitations/", {"email": "bo"}, format="json")
    assert [e["pointer"] for e in not_an_address.json()["errors"]] == ["/email"]


def test_a_new_invitation_of_the_same_address_replaces_the_pending_one(alpha):
    first, first_message = _invite(alpha)
    second, second_message = _invite(alpha, roles=["staff"])
    _, old = _accept(alpha, path_of(link_of(first_message)))
    assert old.status_code == 410
    browser, new = _accept(alpha, path_of(link_of(second_message)))
    assert new.status_code == 302
    assert browser.get("/api/v1/me/").json()["roles"] == ["staff"]


def test_the_password_of_an_invited_colleague_follows_the_rules(alpha):
    _, message = _invite(alpha)
    path = path_of(link_of(message))
    _, weak = _accept(alpha, path, password="12345678")
    assert weak.status_code == 200
    text = weak.content.decode()
    assert "This password is too common." in text and "entirely numeric" in text
    browser = Client(HTTP_HOST=alpha.host)
    mismatch = browser.post(
        path, {"username": "nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert "The two passwords differ." in mismatch.content.decode()
    taken = browser.post(
        path, {"username": "root", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "A user with this username exists." in taken.content.decode()
    # Still usable after the refusals.
    assert _accept(alpha, path)[1].status_code == 302


def test_an_invitation_of_one_company_does_nothing_on_another_companys_host(alpha, beta):
    invitation, message = _invite(alpha)
    path = path_of(link_of(message))
    page = Client(HTTP_HOST=beta.host).get(path)
    assert page.status_code == 404 and "This invitation does not exist" in page.content.decode()
    _, accepted = _accept(beta, path)
    assert accepted.status_code == 404
    with schema_context("beta"):
        assert not User.objects.filter(username="nina").exists()
    beta_admin = beta.client("root", "tenant_admin")
    assert beta_admin.get("/api/v1/invitations/").json()["results"] == []
    assert beta_admin.delete(f"/api/v1/invitations/{invitation['id']}/").status_code == 404
    # Still good at home.
    assert _accept(alpha, path)[1].status_code == 302


def test_a_tenant_admin_invites_and_withdraws_from_the_people_page(alpha):
    admin = web_login(alpha, "root", "tenant_admin")
    sent = admin.post(
        "/people/invitations/", {"email": "pia@example.com", "roles": ["ticket_admin"]}, follow=True
    )
    assert "Invitation sent to pia@example.com." in sent.content.decode()
    assert "pia@example.com" in sent.content.decode() and ">pending<" in sent.content.decode()
    [message] = send_outbox(alpha)
    assert message.to == ["pia@example.com"]
    refused = admin.post("/people/invitations/", {"email": "pia", "roles": ["ticket_admin"]})
    assert refused.status_code == 200 and "email: Enter a valid email address." in (
        refused.content.decode()
    )
    with schema_context("alpha"):
        pk = Invitation.objects.get(email="pia@example.com").pk
    withdrawn = admin.post(f"/people/invitations/{pk}/revoke/", follow=True)
    assert "The invitation of pia@example.com is withdrawn." in withdrawn.content.decode()
    _, accepted = _accept(alpha, path_of(link_of(message)))
    assert accepted.status_code == 410
