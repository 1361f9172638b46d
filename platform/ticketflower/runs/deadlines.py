"""Deadlines: the scheduler tells the people concerned once when a person's task nears
its deadline, and once when it passes it (docs/decision-due-dates.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, QuerySet, Value
from django.db.models.functions import Least
from django.utils import timezone

from ticketflower.notifications import events
from ticketflower.runs.filters import overdue_q
from ticketflower.runs.models import ACTIVE_TASK_STATUSES, TaskInstance

BATCH = 200
# "Due soon": within the last quarter of the time a task was given, at most the last hour.
SOON_AT_MOST = timedelta(hours=1)


def _due_soon(now: Any) -> QuerySet[TaskInstance]:
    """Active tasks before their deadline and within their due-soon window."""
    return TaskInstance.objects.annotate(soon_window=_soon_window()).filter(
        status__in=ACTIVE_TASK_STATUSES,
        deadline_at__gt=now,
        deadline_at__lte=ExpressionWrapper(
            Value(now, output_field=DateTimeField()) + F("soon_window"),
            output_field=DateTimeField(),
        ),
    )


def _soon_window() -> Least:
    quarter = ExpressionWrapper(
        F("task_definition__deadline_seconds") * Value(timedelta(seconds=1)) / 4,
        output_field=DurationField(),
    )
    return Least(Value(SOON_AT_MOST, output_field=DurationField()), quarter)


def _tell(
    marked: str, tasks: QuerySet[TaskInstance], announce: Callable[..., None], now: Any
) -> list[int]:
    """Mark the `tasks` not yet marked and announce each, in one transaction (several
    schedulers: a row one holds, the other skips)."""
    with transaction.atomic():
        due = list(
            tasks.select_for_update(skip_locked=True, of=("self",))
            .filter(**{f"{marked}__isnull": True})
            .select_related("task_definition", "workflow_instance__ticket")
            .order_by("deadline_at")[:BATCH]
        )
        if not due:
            return []
        TaskInstance.objects.filter(pk__in=[t.pk for t in due]).update(**{marked: now})
        for task in due:
            ticket = getattr(task.workflow_instance, "ticket", None)
            task.ticket_id = getattr(ticket, "pk", None)
            announce(
                task,
                task.task_definition.title,
                task.task_definition.roles or [],
                getattr(ticket, "ticket_definition_id", None),
            )
    return [t.pk for t in due]


def sweep_overdue(now: Any = None) -> list[int]:
    """Tell of the current company's tasks newly past their deadline: their ids."""
    now = now or timezone.now()
    overdue = TaskInstance.objects.filter(overdue_q(now))
    return _tell("overdue_notified_at", overdue, events.task_overdue, now)


def sweep_due_soon(now: Any = None) -> list[int]:
    """Tell of the current company's tasks newly within their last quarter (at most the
    last hour) before the deadline: their ids."""
    now = now or timezone.now()
    return _tell("due_soon_notified_at", _due_soon(now), events.task_due_soon, now)
