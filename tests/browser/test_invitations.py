"""Getting in without a known password, in a real browser at desktop and phone width: a
tenant admin invites a colleague from the people page and the colleague joins through
the emailed link; a person who forgot their password sets a new one through theirs."""

from __future__ import annotations

import httpx
import pytest
from django.contrib.auth.models import User
from django_tenants.utils import schema_context

from tenants.models import Company
from tests.accounts.support import link_of, send_outbox
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lilac-ferry-orbit-42"


def _login(tab, base: str, username: str, password: str = PASSWORD) -> None:
    page = tab.page
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def _logout(tab) -> None:
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Log out").click()


def test_a_colleague_joins_through_an_invitation_in_the_browser(
    committed_tenant, api_server, tab, settings
):
    settings.PAGE_URL_TEMPLATE = f"http://{{domain}}:{api_server}{{path}}"
    base = f"http://{committed_tenant.host}:{api_server}"
    page = tab.page

    _login(tab, base, "admin")
    page.get_by_role("link", name="People").click()
    invite = page.locator("form", has=page.get_by_role("heading", name="Invite a colleague"))
    invite.get_by_label("Email").fill("nina@example.com")
    invite.get_by_label("Suggested username (optional)").fill("nina")
    invite.get_by_label("ticket_admin").check()
    with page.expect_navigation():
        invite.get_by_role("button", name="Send invitation").click()
    assert page.locator(".flash").inner_text() == "Invitation sent to nina@example.com."
    assert "pending" in page.locator(".invitation", has_text="nina@example.com").inner_text()
    tab.shot("people-invited")
    _logout(tab)

    [message] = send_outbox(committed_tenant)
    assert message.to == ["nina@example.com"] and PASSWORD not in message.body
    link = link_of(message)
    page.goto(link)
    company = Company.objects.get(schema_name=committed_tenant.slug).name
    assert page.title() == f"Join {company} – TicketFlower"
    assert page.get_by_label("Username").input_value() == "nina"
    page.get_by_label("Password", exact=True).fill("12345678")
    page.get_by_label("Password again").fill("12345678")
    with page.expect_navigation():
        page.get_by_role("button", name="Join").click()
    assert "This password is too common." in page.locator(".field.invalid").inner_text()
    tab.shot("invitation-weak-password")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    tab.shot("invitation")
    with page.expect_navigation():
        page.get_by_role("button", name="Join").click()
    assert page.title() == "Inbox – TicketFlower"
    assert page.locator(".flash").inner_text() == "Welcome, nina: you are in."
    assert page.get_by_role("link", name="Errors").is_visible()  # ticket_admin's pages
    tab.shot("invitation-accepted")
    with schema_context(committed_tenant.slug):
        nina = User.objects.get(username="nina")
        assert nina.email == "nina@example.com"
        assert list(nina.groups.values_list("name", flat=True)) == ["ticket_admin"]

    # Once only (asked outside the tab: a 410 page logs a console error by design).
    path = "/" + link.split("/", 3)[3]
    again = httpx.get(
        f"http://127.0.0.1:{api_server}{path}", headers={"Host": committed_tenant.host}
    )
    assert again.status_code == 410 and "This invitation was already used" in again.text


def test_a_person_sets_a_new_password_through_the_reset_link_in_the_browser(
    committed_tenant, api_server, tab, settings
):
    settings.PAGE_URL_TEMPLATE = f"http://{{domain}}:{api_server}{{path}}"
    base = f"http://{committed_tenant.host}:{api_server}"
    user = committed_tenant.user("sam", "staff")
    with schema_context(committed_tenant.slug):
        User.objects.filter(pk=user.pk).update(email="sam@example.com")
    page = tab.page

    page.goto(f"{base}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Username or email").fill("sam@example.com")
    tab.shot("forgot")
    with page.expect_navigation():
        page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    tab.shot("forgot-sent")

    [message] = send_outbox(committed_tenant)
    link = link_of(message)
    page.goto(link)
    assert page.get_by_role("heading", name="Set a new password").is_visible()
    assert "/set-password/" in page.url  # the token is out of the address bar
    page.get_by_label("New password", exact=True).fill("sam")
    page.get_by_label("New password confirmation").fill("sam")
    with page.expect_navigation():
        page.get_by_role("button", name="Set the password").click()
    assert "too short" in page.locator(".field.invalid").first.inner_text()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    tab.shot("reset")
    with page.expect_navigation():
        page.get_by_role("button", name="Set the password").click()
    assert page.title() == "Inbox – TicketFlower"
    assert "Your new password is set" in page.locator(".flash").inner_text()
    _logout(tab)

    page.goto(link)  # used: the page says so
    assert page.get_by_role("heading", name="This link does not work").is_visible()
    tab.shot("reset-used")
    _login(tab, base, "sam", NEW_PASSWORD)
    assert page.title() == "Inbox – TicketFlower"
