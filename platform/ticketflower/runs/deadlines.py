"""Overdue tasks: the scheduler tells the people concerned once, when a person's task
passes its deadline (docs/decision-due-dates.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ticketflower.notifications import events
from ticketflower.runs.filters import overdue_q
from ticketflower.runs.models import TaskInstance

BATCH = 200


def sweep_overdue(now: Any = None) -> list[int]:
    """Mark the current company's newly overdue tasks as told and announce each (in one
    transaction: told exactly once, even with several schedulers). Their ids."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            TaskInstance.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(overdue_q(now), overdue_notified_at__isnull=True)
            .select_related("task_definition", "workflow_instance__ticket")
            .order_by("deadline_at")[:BATCH]
        )
        if not due:
            return []
        TaskInstance.objects.filter(pk__in=[t.pk for t in due]).update(overdue_notified_at=now)
        for task in due:
            ticket = getattr(task.workflow_instance, "ticket", None)
            task.ticket_id = getattr(ticket, "pk", None)
            events.task_overdue(
                task,
                task.task_definition.title,
                task.task_definition.roles or [],
                getattr(ticket, "ticket_definition_id", None),
            )
    return [t.pk for t in due]
