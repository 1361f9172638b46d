"""Sending the outbox: one delivery at a time, at least once, with a back-off from the
row, and the scheduler's sweep of what is still due (docs/decision-notifications.md)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from ticketflower.notifications.kinds import Kind
from ticketflower.notifications.models import Channel, Delivery, DeliveryStatus

log = logging.getLogger("ticketflower.notifications")

# A delivery being sent is not due again for this long (a worker killed mid-send: the
# sweep hands it over once this has passed).
LEASE = timedelta(seconds=60)
# The sweep leaves alone a row due for less than this: its first message is on its way.
GRACE = timedelta(seconds=10)
BATCH = 200
# Kinds whose link holds a single-use token (docs/decision-invitations.md): the link is
# forgotten once the email is sent, so the token then exists only in the email.
SECRET_LINKS = {Kind.INVITATION, Kind.PASSWORD_RESET}


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: doubling from NOTIFICATION_BACKOFF_SECONDS,
    capped at an hour."""
    first = settings.NOTIFICATION_BACKOFF_SECONDS
    return float(min(first * 2 ** min(attempts - 1, 16), 3600))


def page_url(path: str) -> str:
    """The absolute URL of a page of the current company's web app."""
    from ticketflower.companies.lookups import primary_domain

    return settings.PAGE_URL_TEMPLATE.format(domain=primary_domain(), path=path)


def deliver_one(delivery_id: int) -> str | None:
    """Send one delivery if it is due and nobody else is sending it: its status after
    (None: not due, taken or gone)."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            # A back-off's delayed message may come a moment early (another clock).
            .filter(next_attempt_at__lte=now + timedelta(seconds=1))
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        row.save(update_fields=["attempts", "next_attempt_at"])
    try:
        error = _send(row)
    except Exception as exc:  # a bug or a broken backend: kept on the row, tried again
        log.exception("delivery %s failed", row.pk)
        error = f"{type(exc).__name__}: {exc}"
    return _record(row, error)


def _record(row: Delivery, error: str | None) -> str:
    now = timezone.now()
    if error is None:
        row.status = DeliveryStatus.SENT
        row.sent_at = now
        row.next_attempt_at = None
        row.last_error = ""
        if row.link:  # the link may carry a single-use secret: not kept once sent
            row.text = ""
        if row.kind in SECRET_LINKS:  # an invitation's or a reset's token is that secret
            row.link = ""
        fields = ["status", "sent_at", "next_attempt_at", "last_error", "text", "link"]
    elif row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        row.status = DeliveryStatus.FAILED
        row.next_attempt_at = None
        row.last_error = error
        fields = ["status", "next_attempt_at", "last_error"]
    else:
        delay = backoff(row.attempts)
        row.next_attempt_at = now + timedelta(seconds=delay)
        row.last_error = error
        fields = ["next_attempt_at", "last_error"]
    Delivery.objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in fields})
    if row.status == DeliveryStatus.PENDING:
        from ticketflower.notifications.publish import hand_over

        hand_over([row.pk], delay_ms=int(backoff(row.attempts) * 1000))
    else:
        log.info("delivery %s %s after %s attempt(s)", row.pk, row.status, row.attempts)
    return row.status


def _send(row: Delivery) -> str | None:
    """Send it: None when done, else why not."""
    if row.channel == Channel.EMAIL:
        text = row.text
        if row.link:
            text = f"{text}\n\n{page_url(row.link)}\n"
        EmailMessage(row.subject, text, settings.DEFAULT_FROM_EMAIL, [row.address]).send()
        return None
    return _call_webhook(row)


def _call_webhook(row: Delivery) -> str | None:
    from plugins.http_action.calls import call
    from plugins.http_action.destinations import parse_networks
    from ticketflower.actions.tokens import signing_secret

    outcome = call(
        row.url,
        row.payload,
        secret=signing_secret(),
        idempotency_key=str(row.event_id),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allowed=parse_networks(settings.ACTION_ALLOWED_NETWORKS),
        allow_all=settings.ACTION_ALLOW_PRIVATE,
        extra_headers={"X-TicketFlower-Event": row.kind},
    )
    return None if outcome.kind == "ok" else outcome.message


def retry(delivery: Delivery) -> Delivery:
    """A FAILED delivery sent again from the start (a tenant admin fixed the receiver)."""
    with transaction.atomic():
        row = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if row.status != DeliveryStatus.SENT:
            row.status = DeliveryStatus.PENDING
            row.attempts = 0
            row.next_attempt_at = timezone.now()
            row.save(update_fields=["status", "attempts", "next_attempt_at"])
            from ticketflower.notifications.publish import hand_over_after_commit

            hand_over_after_commit([row.pk])
    return row


def sweep_company(now: Any = None) -> int:
    """Hand over again the current company's deliveries still due (their message lost, the
    worker dead, the back-off's delayed message gone with Redis): how many."""
    from ticketflower.notifications.publish import hand_over

    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - GRACE)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:BATCH]
        )
        if due:
            # Due again only if this hand-over is lost too.
            Delivery.objects.filter(pk__in=due).update(next_attempt_at=now)
    if due:
        hand_over(due)
    return len(due)
