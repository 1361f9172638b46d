"""The kinds of notification: what a person hears about, and what a company's webhooks
receive (docs/decision-notifications.md)."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", "A task was assigned to me"
    TASK_CLAIMABLE = "task_claimable", "A task I may claim is waiting"
    TICKET_FINISHED = "ticket_finished", "A ticket I submitted finished or was put on hold"
    TICKET_ERROR = "ticket_error", "A ticket error appeared on a ticket type I administer"
    TASK_DUE_SOON = "task_due_soon", "A task I have or may claim is due soon"
    TASK_OVERDUE = "task_overdue", "A task I have or may claim is past its deadline"
    MENTIONED = "mentioned", "Someone mentioned me in a comment"
    # Sent to an address for a person who has asked for it (or been invited): always sent,
    # never to webhooks.
    INVITATION = "invitation", "An invitation to the company"
    PASSWORD_RESET = "password_reset", "A password reset link"


# The kinds a person may turn off (the others answer something they asked for).
PERSONAL = [
    Kind.TASK_ASSIGNED,
    Kind.TASK_CLAIMABLE,
    Kind.TICKET_FINISHED,
    Kind.TICKET_ERROR,
    Kind.TASK_DUE_SOON,
    Kind.TASK_OVERDUE,
    Kind.MENTIONED,
]
# The kinds a company's webhooks may subscribe to.
EVENTS = PERSONAL
