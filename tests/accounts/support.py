"""Helpers of the invitation and password reset tests: the company's outbox sent in this
process through Django's locmem backend (`mail.outbox`), and the link an email carries."""

from __future__ import annotations

import re

from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django_tenants.utils import schema_context

from tests.helpers import PASSWORD, TenantHelper

LINK = re.compile(r"https?://\S+")


def send_outbox(helper: TenantHelper) -> list[EmailMessage]:
    """Send the company's due emails as a worker does (notifications.delivery); the
    messages sent so far."""
    from ticketflower.notifications.delivery import deliver_one
    from ticketflower.notifications.models import Delivery, DeliveryStatus

    with schema_context(helper.slug):
        due = Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("id")
        for pk in list(due.values_list("pk", flat=True)):
            assert deliver_one(pk) == DeliveryStatus.SENT
    return list(mail.outbox)


def link_of(message: EmailMessage) -> str:
    """The one link of an email."""
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    return links[0]


def path_of(link: str) -> str:
    """The path of a link (the test clients name the host themselves)."""
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def web_login(helper: TenantHelper, username: str, *roles: str) -> Client:
    """A browser-like client logged in through the company's login page."""
    helper.user(username, *roles)
    client = Client(HTTP_HOST=helper.host)
    answer = client.post("/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.content[:300]
    return client
