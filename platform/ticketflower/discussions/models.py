"""Comments on a ticket, or on one of its tasks (docs/decision-comments.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ticketflower.runs.models import TaskInstance, TicketInstance

MAX_BODY = 10_000


class Comment(models.Model):
    """What someone wrote on a ticket. `internal`: a note only ticket admins see."""

    ticket = models.ForeignKey(TicketInstance, on_delete=models.CASCADE, related_name="comments")
    task = models.ForeignKey(
        TaskInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=MAX_BODY)
    internal = models.BooleanField(default=False)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "id"], name="comment_ticket")]

    def __str__(self) -> str:
        return f"comment {self.pk} on ticket {self.ticket_id}"
