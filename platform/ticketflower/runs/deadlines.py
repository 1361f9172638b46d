"""Deadlines of tasks: which are overdue, and the sweep that announces each once
(docs/decision-due-dates.md).

A task instance's `deadline_at` is written when it is created (runs/writes.py). It is
overdue while it is active and its deadline has passed; an ended task never is. The
scheduler's sweep (runs/redelivery.py) calls `sweep_overdue` per company every few
seconds: it marks the tasks whose deadline passed unannounced with
`overdue_notified_at` and announces them, in one transaction, so each is announced once
however many schedulers run.

Conditions never read this: a deadline is wall-clock time, which a simulation cannot
replay (the decision says how a future "due" event could express it).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ticketflower.runs.models import ACTIVE_TASK_STATUSES, TaskInstance

log = logging.getLogger("ticketflower.deadlines")

# Announced per sweep at most; the rest wait for the next sweep (seconds later).
BATCH = 200


def overdue_q(now: datetime) -> Q:
    """The tasks overdue at `now`: active, with a deadline that has passed."""
    return Q(status__in=ACTIVE_TASK_STATUSES, deadline_at__lte=now)


def not_overdue_q(now: datetime) -> Q:
    """The complement of overdue_q among all tasks (no deadline, a later one, or ended)."""
    return (
        ~Q(status__in=ACTIVE_TASK_STATUSES) | Q(deadline_at__isnull=True) | Q(deadline_at__gt=now)
    )


def is_overdue(task: TaskInstance, now: datetime) -> bool:
    """overdue_q for one loaded row."""
    return task.is_active and task.deadline_at is not None and task.deadline_at <= now


def sweep_overdue(now: datetime | None = None) -> list[int]:
    """Mark the current company's tasks that became overdue by `now` and were not yet
    announced, announce them, and return their ids (oldest deadline first).

    Rows another sweep holds are skipped (SKIP LOCKED), never waited for: it announces
    them. A task announced once keeps `overdue_notified_at` and is never announced again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        tasks = list(
            TaskInstance.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(overdue_q(now), overdue_notified_at__isnull=True)
            .select_related("task_definition")
            .order_by("deadline_at", "id")[:BATCH]
        )
        if not tasks:
            return []
        ids = [task.pk for task in tasks]
        TaskInstance.objects.filter(pk__in=ids).update(overdue_notified_at=now)
        for task in tasks:
            task.overdue_notified_at = now
        _announce_overdue(tasks)
    return ids


def _announce_overdue(tasks: list[TaskInstance]) -> None:
    """Tell who must know that these tasks are overdue (called inside the sweep's
    transaction: whatever it writes commits with the marks, or neither does).

    For now it only logs; notifications plug in here."""
    for task in tasks:
        log.info(
            "task instance %s (%s) is overdue since %s",
            task.pk,
            task.task_definition.title,
            task.deadline_at.isoformat(),
        )
