"""The audit trail: who did what to which definition, task, ticket, user or role
(docs/decision-audit-trail.md). Append-only: the ORM refuses to change or delete an entry
and a trigger refuses it in the database (migration 0001)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class AuditEntry(models.Model):
    """One change, by one person (None: the platform itself, e.g. a worker or the CLI)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as it was when it happened: a user renamed or deleted later stays readable.
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    # What it was done to: "workflow", "task", "ticket", "user", "role", "webhook", ...
    target_type = models.CharField(max_length=32)
    target_id = models.BigIntegerField(null=True)
    target_repr = models.CharField(max_length=300, blank=True, default="")
    # The ticket it concerns, for the ticket's timeline (no foreign key: entries outlive it).
    ticket_id = models.BigIntegerField(null=True, db_index=True)
    details = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.actor_name or 'platform'} {self.action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit entries cannot be deleted")
