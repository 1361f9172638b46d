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
from django.db.models import Q
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


def sweep_company(now: Any = None, *, lost_before: Any = None) -> dict[str, int]:
    """Sweep the current company's schema: {"redelivered", "expired", "keys_dropped"}.

    `lost_before`: the broker came back empty at that time, so every message it held is
    gone; an action waiting since before then is handed over at once rather than when
    its due time comes (batch by batch, over as many sweeps as it takes)."""
    from ticketflower.runs.models import IdempotentRequest

    now = now or timezone.now()
    counts = {"redelivered": 0, "expired": 0}
    # A client retries within minutes; a day-old key only takes room.
    old = IdempotentRequest.objects.filter(created_at__lt=now - IDEMPOTENCY_KEYS_KEPT)
    counts["keys_dropped"] = old.delete()[0]
    waiting = TaskInstance.objects.select_for_update(skip_locked=True).filter(
        status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS]
    )
    if lost_before is not None:
        waiting = waiting.filter(
            Q(due_at__lte=now)
            | Q(status=TaskStatus.PENDING, due_at__isnull=False, updated_at__lt=lost_before)
        )
    else:
        waiting = waiting.filter(due_at__lte=now)
    with transaction.atomic():
        due = list(waiting.select_related("task_definition").order_by("due_at")[:BATCH])
        expired = []
        for task in due:
            if task.status == TaskStatus.IN_PROGRESS:
                if task.due_at <= now:
                    expired.append(task)
                continue
            if not _hand_over(task, now):
                break  # the broker is unreachable: the rest stay due for the next sweep
            counts["redelivered"] += 1
    for task in expired:
        counts["expired"] += _expire(task)
    return counts


def _hand_over(task: TaskInstance, now: Any) -> bool:
    """Tell the task type's plugin again that the instance waits (it enqueues the work),
    and set when to look again. False if the broker refused: recorded, not raised, and
    the instance stays due (an outage is not the work's fault: no hand-over counted)."""
    event = event_for(task)
    waited = (now - (task.started_at or task.created_at)).total_seconds()
    try:
        notify("started", event)
    except Exception as exc:  # the broker down: the next sweep tries again
        failure = f"could not reach the workers: {type(exc).__name__}: {exc}"
        log.warning("task instance %s of %s: %s", task.pk, event.schema_name, failure)
        # Due now, whatever brought it here; `updated_at` untouched (it dates the send).
        TaskInstance.objects.filter(pk=task.pk).update(last_failure=failure, due_at=now)
        return False
    task.last_failure = f"not done {waited:.0f} s after it was handed to the workers: sent again"
    task.dispatches += 1
    task.due_at = now + timedelta(seconds=backoff(task.dispatches))
    task.save(update_fields=["last_failure", "dispatches", "due_at", "updated_at"])
    if task.dispatches == REPORT_AFTER_DISPATCHES:
        _report_waiting(task)
    return True


def _report_waiting(task: TaskInstance) -> None:
    """Work that keeps waiting becomes a ticket error once, so that it shows in the
    ticket admins' queue with why it waits (it is still handed over by itself)."""
    from ticketflower.runs.models import ErrorType, TicketError, TicketInstance

    ticket = TicketInstance.objects.filter(workflow_instance_id=task.workflow_instance_id).first()
    if ticket is None:
        return
    from ticketflower.notifications import events

    error = TicketError.objects.create(
        ticket=ticket,
        task_instance=task,
        task_definition_id=task.task_definition_id,
        error_type=ErrorType.TASK_UPDATE,
        error_message=(
            f"still waiting after {task.dispatches} hand-overs to the workers "
            f"(last: {task.last_failure}); it is handed over again by itself, or retry it"
        ),
    )
    events.ticket_errors(ticket, [error])


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
    deadline = task.task_definition.callback_timeout_seconds or settings.ACTION_CALLBACK_TTL_SECONDS
    message = (
        f"no callback arrived before its deadline ({deadline} s after the request was accepted)"
    )
    try:
        do_fail_task(task.pk, message)
    except Conflict:
        return 0  # it completed or was cancelled meanwhile
    return 1


def sweep_all(*, lost_before: Any = None) -> dict[str, int]:
    """Sweep every company; returns the totals."""
    from django_tenants.utils import get_public_schema_name, schema_context

    from tenants.models import Company
    from ticketflower.notifications.delivery import sweep_company as sweep_deliveries
    from ticketflower.runs.deadlines import sweep_due_soon, sweep_overdue

    totals = dict.fromkeys(
        ("redelivered", "expired", "keys_dropped", "deliveries", "due_soon", "overdue"), 0
    )
    with schema_context(get_public_schema_name()):
        schemas = list(Company.objects.values_list("schema_name", flat=True))
    for schema in schemas:
        if schema == get_public_schema_name():
            continue
        try:
            with schema_context(schema):
                for key, value in sweep_company(lost_before=lost_before).items():
                    totals[key] += value
                totals["due_soon"] += len(sweep_due_soon())
                totals["overdue"] += len(sweep_overdue())
                totals["deliveries"] += sweep_deliveries()
        except Exception:
            log.exception("the sweep of %s failed; the next one tries again", schema)
    return totals


class BrokerWatch:
    """Tells when the broker restarted since the last look (its `run_id` changed): an
    in-memory Redis that comes back has lost every message it held."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.run_id: str | None = None

    def restarted(self) -> bool:
        """True once after each restart seen; False while unreachable or unchanged."""
        try:
            run_id = self.client.info("server").get("run_id")
        except Exception:
            return False  # unreachable: its return is what counts
        seen, self.run_id = self.run_id, run_id
        return seen is not None and run_id != seen
