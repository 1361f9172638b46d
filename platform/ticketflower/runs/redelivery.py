"""The scheduler's sweep: work that is due and not done is handed to the workers again,
and an ASYNC_ACTION whose callback never came fails at its deadline
(docs/decision-nothing-lost.md).

The task rows are the outbox: a step that starts an action writes the instance PENDING
with a `due_at` in the same transaction, so nothing that must happen later exists only
in Redis. A lost message, a dead-lettered one, a worker killed mid-call or a broker that
came back empty delays the work until `due_at`, never loses it.

Several schedulers may run: each company's sweep takes its due rows with
`FOR UPDATE SKIP LOCKED`, so two never hand the same instance over at once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from plugins.manager import notify
from ticketflower.api.errors import Conflict
from ticketflower.runs.models import TaskInstance, TaskStatus
from ticketflower.runs.notifications import event_for

log = logging.getLogger("ticketflower.scheduler")

BATCH = 200
# After this many hand-overs without the work done, a ticket error says so.
REPORT_AFTER_DISPATCHES = 3


def backoff(dispatches: int) -> float:
    """Seconds until the next hand-over of an instance handed over `dispatches` times:
    doubling from REDELIVER_AFTER_SECONDS, capped at REDELIVER_MAX_SECONDS."""
    first = settings.REDELIVER_AFTER_SECONDS
    return float(min(first * 2 ** min(dispatches, 16), settings.REDELIVER_MAX_SECONDS))


IDEMPOTENCY_KEYS_KEPT = timedelta(days=1)


def sweep_company(now: Any = None) -> dict[str, int]:
    """Sweep the current company's schema: {"redelivered", "expired", "keys_dropped"}."""
    from ticketflower.runs.models import IdempotentRequest

    now = now or timezone.now()
    counts = {"redelivered": 0, "expired": 0}
    # A client retries within minutes; a day-old key only takes room.
    old = IdempotentRequest.objects.filter(created_at__lt=now - IDEMPOTENCY_KEYS_KEPT)
    counts["keys_dropped"] = old.delete()[0]
    with transaction.atomic():
        due = list(
            TaskInstance.objects.select_for_update(skip_locked=True)
            .filter(due_at__lte=now, status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS])
            .select_related("task_definition")
            .order_by("due_at")[:BATCH]
        )
        expired = []
        for task in due:
            if task.status == TaskStatus.IN_PROGRESS:
                expired.append(task)
                continue
            counts["redelivered"] += 1
            _hand_over(task, now)
    for task in expired:
        counts["expired"] += _expire(task)
    return counts


def _hand_over(task: TaskInstance, now: Any) -> None:
    """Tell the task type's plugin again that the instance waits (it enqueues the work),
    and set when to look again; a broker that refuses is recorded, not raised."""
    event = event_for(task)
    waited = (now - (task.started_at or task.created_at)).total_seconds()
    task.last_failure = f"not done {waited:.0f} s after it was handed to the workers: sent again"
    try:
        notify("started", event)
    except Exception as exc:  # the broker down: the next sweep tries again
        task.last_failure = f"could not reach the workers: {type(exc).__name__}: {exc}"
        log.warning("task instance %s of %s: %s", task.pk, event.schema_name, task.last_failure)
    task.dispatches += 1
    task.due_at = now + timedelta(seconds=backoff(task.dispatches))
    task.save(update_fields=["last_failure", "dispatches", "due_at", "updated_at"])
    if task.dispatches == REPORT_AFTER_DISPATCHES:
        _report_waiting(task)


def _report_waiting(task: TaskInstance) -> None:
    """Work that keeps waiting becomes a ticket error once, so that it shows in the
    ticket admins' queue with why it waits (it is still handed over by itself)."""
    from ticketflower.runs.models import ErrorType, TicketError, TicketInstance

    ticket = TicketInstance.objects.filter(workflow_instance_id=task.workflow_instance_id).first()
    if ticket is None:
        return
    TicketError.objects.create(
        ticket=ticket,
        task_instance=task,
        task_definition_id=task.task_definition_id,
        error_type=ErrorType.TASK_UPDATE,
        error_message=(
            f"still waiting after {task.dispatches} hand-overs to the workers "
            f"(last: {task.last_failure}); it is handed over again by itself, or retry it"
        ),
    )


def hand_over_now(task: TaskInstance) -> None:
    """A ticket admin's retry of an action stuck past its due time: handed to the
    workers again at once (the same as the scheduler does when it is due)."""
    with transaction.atomic():
        row = (
            TaskInstance.objects.select_for_update()
            .select_related("task_definition")
            .get(pk=task.pk)
        )
        _hand_over(row, timezone.now())


def _expire(task: TaskInstance) -> int:
    """An instance IN_PROGRESS past its due time: an ASYNC_ACTION whose callback never
    came fails with a TASK_UPDATE error (its callback URL expired with it)."""
    from ticketflower.runs.services import do_fail_task

    if task.task_type != "ASYNC_ACTION":
        TaskInstance.objects.filter(pk=task.pk, due_at=task.due_at).update(due_at=None)
        return 0
    message = (
        "no callback arrived before its deadline "
        f"({settings.ACTION_CALLBACK_TTL_SECONDS} s after the request was accepted)"
    )
    try:
        do_fail_task(task.pk, message)
    except Conflict:
        return 0  # it completed or was cancelled meanwhile
    return 1


def sweep_all() -> dict[str, int]:
    """Sweep every company; returns the totals."""
    from django_tenants.utils import get_public_schema_name, schema_context

    from tenants.models import Company

    totals = {"redelivered": 0, "expired": 0, "keys_dropped": 0}
    with schema_context(get_public_schema_name()):
        schemas = list(Company.objects.values_list("schema_name", flat=True))
    for schema in schemas:
        if schema == get_public_schema_name():
            continue
        try:
            with schema_context(schema):
                for key, value in sweep_company().items():
                    totals[key] += value
        except Exception:
            log.exception("the sweep of %s failed; the next one tries again", schema)
    return totals
