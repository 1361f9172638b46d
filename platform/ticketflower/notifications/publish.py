"""Announcing: the outbox rows of one event, written in the caller's transaction and
handed to the workers after it commits (docs/decision-notifications.md)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from ticketflower.notifications.kinds import EVENTS
from ticketflower.notifications.models import Channel, Delivery, Preference, Webhook

log = logging.getLogger("ticketflower.notifications")


@cache
def _sql() -> str:
    deliveries = Delivery._meta.db_table
    users = User._meta.db_table
    preferences = Preference._meta.db_table
    webhooks = Webhook._meta.db_table
    memberships = User.groups.through._meta.db_table
    groups = Group._meta.db_table
    columns = (
        "channel, kind, event_id, recipient_id, address, webhook_id, url, subject, text, link, "
        "payload, ticket_id, status, attempts, next_attempt_at, last_error, created_at"
    )
    # One statement for every receiver: the people (those with an address who did not turn
    # the kind off) and the company's webhooks that listen to it. An event nobody hears
    # costs this one round trip.
    return f"""
    INSERT INTO "{deliveries}" ({columns})
    SELECT 'email', %(kind)s, %(event)s, u.id, u.email, NULL, '', %(subject)s, %(text)s,
           %(link)s, NULL, %(ticket)s, 'PENDING', 0, %(now)s, '', %(now)s
      FROM "{users}" u
     WHERE (u.id = ANY(%(users)s) OR EXISTS (
              SELECT 1 FROM "{memberships}" m JOIN "{groups}" g ON g.id = m.group_id
               WHERE m.user_id = u.id AND g.name = ANY(%(roles)s)))
       AND u.is_active AND u.email <> '' AND NOT u.id = ANY(%(exclude)s)
       AND NOT EXISTS (SELECT 1 FROM "{preferences}" p
                        WHERE p.user_id = u.id AND p.kind = %(kind)s AND NOT p.email)
    UNION ALL
    SELECT 'webhook', %(kind)s, %(event)s, NULL, '', w.id, w.url, %(subject)s, '', '',
           %(payload)s::jsonb, %(ticket)s, 'PENDING', 0, %(now)s, '', %(now)s
      FROM "{webhooks}" w
     WHERE %(webhooks)s AND w.active AND (w.kinds = '{{}}' OR %(kind)s = ANY(w.kinds))
    RETURNING id
    """


def publish(
    kind: str,
    *,
    users: Iterable[int] = (),
    roles: Iterable[str] = (),
    exclude: Iterable[int] = (),
    subject: str,
    text: str,
    link: str = "",
    ticket_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> list[int]:
    """Announce one event: an email to each of `users` and of the holders of `roles`
    (but `exclude`) who listens to `kind`, and the
    event to each of the company's webhooks that does. Call it inside the transaction of
    what it announces; the rows are sent after the commit. Returns the deliveries' ids."""
    now = timezone.now()
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "kind": kind,
        "created_at": now.isoformat(),
        "company": connection.schema_name,
        "ticket": ticket_id,
        "subject": subject,
        "data": data or {},
    }
    params = {
        "kind": kind,
        "event": event_id,
        "users": sorted({int(u) for u in users if u is not None}),
        "roles": sorted(set(roles)),
        "exclude": sorted({int(u) for u in exclude if u is not None}),
        "subject": subject[:300],
        "text": text,
        "link": link,
        "ticket": ticket_id,
        "now": now,
        "payload": json.dumps(payload, default=str),
        "webhooks": kind in EVENTS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        hand_over_after_commit(ids)
    return ids


def queue_email(*, to: str, subject: str, text: str, kind: str, link: str = "") -> Delivery:
    """One email to an address (an invitation, a password reset), sent by a worker after
    the caller's transaction commits. `link` is a path of the company's web app, made
    absolute when the email is sent (the raw secret it may hold lives only in this row
    until then: the row forgets the text once sent)."""
    delivery = Delivery.objects.create(
        channel=Channel.EMAIL,
        kind=kind,
        address=to,
        subject=subject[:300],
        text=text,
        link=link,
        next_attempt_at=timezone.now(),
    )
    hand_over_after_commit([delivery.pk])
    return delivery


def hand_over_after_commit(ids: list[int]) -> None:
    """Send the deliveries' messages to the workers once the transaction commits; the
    scheduler hands over whatever this misses (the broker down, the process killed)."""
    transaction.on_commit(lambda: hand_over(ids), robust=True)


def hand_over(ids: list[int], *, delay_ms: int | None = None) -> None:
    """Enqueue one worker message per delivery; a broker that refuses is logged, not
    raised (the rows stay due)."""
    from ticketflower.notifications.actors import deliver

    for delivery_id in ids:
        try:
            deliver.send_with_options(args=(delivery_id,), delay=delay_ms)
        except Exception as exc:  # the sweep hands it over again
            log.warning("delivery %s not handed over: %s: %s", delivery_id, type(exc).__name__, exc)
            return
