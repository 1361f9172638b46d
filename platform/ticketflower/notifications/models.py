"""Notifications: the outbox of emails and webhook calls, the company's webhooks, and the
kinds each person turned off (docs/decision-notifications.md).

A `Delivery` row is written in the transaction of what it announces; a worker sends it
after the commit, and the scheduler hands over again any row still due (a lost message,
a dead worker, a receiver down): nothing announced is lost, nothing is sent inside a
step's transaction.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from ticketflower.notifications.kinds import Kind


class Channel(models.TextChoices):
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class Webhook(models.Model):
    """A company's receiver of events: every event of the kinds listed (none: all kinds) is
    POSTed to `url`, signed as actions are (docs/action-signing.md)."""

    url = models.URLField(max_length=2000)
    kinds = ArrayField(models.CharField(max_length=32, choices=Kind.choices), default=list)
    description = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One email to one address, or one event to one webhook: the outbox row."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # One event announced to several receivers shares its id (the webhook's
    # Idempotency-Key and the payload's "id").
    event_id = models.UUIDField(default=uuid.uuid4)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(max_length=254, blank=True, default="")
    webhook = models.ForeignKey(Webhook, null=True, on_delete=models.SET_NULL, related_name="+")
    url = models.TextField(blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    text = models.TextField(blank=True, default="")
    # A page of the company's web app the email links to (made absolute when sent).
    link = models.CharField(max_length=500, blank=True, default="")
    payload = models.JSONField(null=True, blank=True)
    ticket_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status="PENDING"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.pk} ({self.status})"


class Preference(models.Model):
    """A kind of notification one person turned off (no row: on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_kind")
        ]
