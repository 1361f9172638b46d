"""The Dramatiq actor that runs SYNC_ACTION and ASYNC_ACTION instances.

Imported lazily (by the hook and by the worker), after the platform configured the
broker. Delivery is at least once, so the actor is idempotent: it does nothing for an
instance that is no longer active, every request carries the same Idempotency-Key for
the instance, and a second completion is refused by the kernel (TaskNotActive).
Retries are Dramatiq's (Retries middleware, exponential backoff): the actor raises
ActionRetry for a retryable outcome until the last attempt, which fails the task.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any
from urllib.parse import urlsplit

import dramatiq
from dramatiq.common import compute_backoff
from dramatiq.middleware import CurrentMessage

from kernel.state import ACTIVE_STATUSES
from plugins.host import OutputRefused, TaskNotActive, get_host
from plugins.http_action import continuations, leases
from plugins.http_action.calls import call
from plugins.http_action.transforms import TransformError, input_body, output_values
from plugins.manager import default_evaluator
from plugins.types import TaskEvent

log = logging.getLogger("ticketflower.actions")
CALLBACK_HEADER = "X-TicketFlower-Callback-URL"
LEASE_MARGIN_SECONDS = 10


class ActionRetry(Exception):
    """A retryable outcome (timeout, connection error, 5xx): Dramatiq retries with backoff."""


def _attempt() -> int:
    message = CurrentMessage.get_current_message()
    return message.options.get("retries", 0) if message is not None else 0


def run(event: TaskEvent, attempt: int) -> str:
    """One attempt at an action instance; returns what happened (for logs and tests)."""
    host = get_host()
    context = host.task_context(event)
    if context["status"] not in ACTIVE_STATUSES:
        return "skipped: not active"
    task = context["task"]
    settings = host.action_settings()
    timeout = min(
        task.get("timeout_seconds") or settings["default_timeout"], settings["max_timeout"]
    )
    with destination_slot(task["action_url"], settings.get("per_destination", 0)) as free:
        if not free:
            # Busy with others' calls (a slow or hanging endpoint): this instance waits its
            # turn in the queue without costing an attempt, and other destinations go on.
            requeue(event, BUSY_DELAY_MS)
            return "waiting: destination busy"
        return _call_in_slot(event, attempt, context, settings, timeout)


def _call_in_slot(
    event: TaskEvent, attempt: int, context: dict, settings: dict, timeout: float
) -> str:
    """The attempt itself, holding a slot of its destination."""
    host = get_host()
    task = context["task"]
    evaluator = default_evaluator()
    extra: dict[str, Any] = {"task_instance": event.task_instance_id, "ticket": context["ticket"]}
    headers: dict[str, str] = {}
    if event.task_type == "ASYNC_ACTION":
        url = host.issue_callback(event, context["run"])
        extra["callback_url"] = headers[CALLBACK_HEADER] = url
    try:
        body = input_body(
            task.get("input_transform"), context["input"], task["input_fields"], evaluator, extra
        )
    except TransformError as exc:
        host.fail_task(event, f"input transform failed: {exc}")
        return "failed: input transform"
    started = time.monotonic()
    with leases.held(event):
        outcome = call(
            task["action_url"],
            body,
            secret=host.signing_secret(event),
            # One key per run of the instance: redeliveries share it, an admin's retry
            # does not.
            idempotency_key=(
                f"{event.schema_name}:{event.workflow_instance_id}:{event.task_instance_id}"
                f":{context['run']}"
            ),
            timeout=timeout,
            allowed=settings["allowed"],
            allow_all=settings["allow_all"],
            extra_headers=headers,
        )
    host.record_call(event, outcome.kind, time.monotonic() - started)
    if outcome.kind == "retry":
        if attempt < settings["max_retries"]:
            # Dramatiq tries again after a back-off of at most this: keep the lease till then.
            backoff = min(
                settings["max_backoff_ms"], settings["min_backoff_ms"] * 2 ** (attempt + 1)
            )
            host.lease_task(event, backoff / 1000 + timeout + LEASE_MARGIN_SECONDS)
            raise ActionRetry(outcome.message)
        host.fail_task(event, f"{outcome.message} (gave up after {attempt + 1} attempts)")
        return "failed: retries exhausted"
    if outcome.kind == "fail":
        host.fail_task(event, outcome.message)
        return "failed"
    if event.task_type == "ASYNC_ACTION":
        # The answer only acknowledges the request; the output comes by the callback.
        try:
            host.start_task(event)
        except TaskNotActive:
            pass  # the callback already arrived and completed it
        return "waiting for callback"
    answer = dict(outcome.answer, input=context["input"], data=context["data"])
    try:
        output = output_values(
            task.get("output_transform"), answer, task["output_fields"], evaluator
        )
    except TransformError as exc:
        host.fail_task(event, f"output transform failed: {exc}")
        return "failed: output transform"
    try:
        host.complete_task(event, output)
    except TaskNotActive:
        return "skipped: completed already"
    except OutputRefused as exc:
        host.fail_task(event, f"the answer gave an invalid output: {exc}")
        return "failed: invalid output"
    return "completed"


def _event(payload: dict[str, Any]) -> TaskEvent:
    return TaskEvent(**payload)


# Retryable outcomes raise ActionRetry and are bounded by the actor itself (it fails the
# task on the last attempt, ACTION_MAX_RETRIES); anything else (the database down, a
# bug) is retried a few times, then left to the dead-letter queue.
UNEXPECTED_RETRIES = 3


def _retry_when(retries: int, exception: BaseException) -> bool:
    return isinstance(exception, ActionRetry) or retries < UNEXPECTED_RETRIES


@dramatiq.actor(
    queue_name="actions",
    retry_when=_retry_when,
    min_backoff=500,
    max_backoff=60_000,
    time_limit=180_000,
    throws=(TaskNotActive,),
)
def run_action(payload: dict[str, Any]) -> None:
    """Run one action instance (payload: a TaskEvent as a dict), then the actions of its
    chain that its steps start, on this thread (plugins/http_action/continuations.py)."""
    event = _event(payload)
    started = time.monotonic()
    with continuations.collecting() as kept:
        try:
            result = run(event, _attempt())
        except BaseException:
            _hand_over(kept)
            raise
    # DEBUG: one line per action would cost the workers more than a step's SQL.
    log.debug("action %s of %s: %s", event.task_instance_id, event.schema_name, result)
    for _ in range(continuations.MAX_IN_A_ROW):
        if not kept or time.monotonic() - started > continuations.MAX_SECONDS:
            break
        event = kept.pop()
        with continuations.collecting() as kept:
            try:
                _run_next(event)
            except BaseException:  # the thread is being stopped (its time limit, shutdown)
                _hand_over([event, *kept])
                raise
    _hand_over(kept)


def _run_next(event: TaskEvent) -> None:
    """A kept action's first attempt, with what Dramatiq would do after it were it a message:
    a retryable outcome is sent to the queue as the first retry, after its back-off; anything
    unexpected hands the action to the queue (another worker tries it afresh)."""
    try:
        result = run(event, 0)
    except ActionRetry:
        settings = get_host().action_settings()
        _, delay = compute_backoff(
            0, factor=settings["min_backoff_ms"], max_backoff=settings["max_backoff_ms"]
        )
        _send(event, delay=delay, retries=1)
        return
    except Exception:
        log.warning("action %s of %s: handed to the queue", event.task_instance_id,
                    event.schema_name, exc_info=True)  # fmt: skip
        _send(event)
        return
    log.debug("action %s of %s: %s", event.task_instance_id, event.schema_name, result)


def _hand_over(kept: list[TaskEvent]) -> None:
    """Send what this thread kept but will not run to the queue."""
    while kept:
        _send(kept.pop())


BUSY_DELAY_MS = 200
# How long a thread waits for a slot of a busy destination before it puts the instance
# back in the queue: calls to a healthy endpoint free a slot within that; a hanging one
# costs a waiting thread no more than this.
SLOT_WAIT_SECONDS = 0.5
_slots: dict[str, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


@contextmanager
def destination_slot(url: str, limit: int) -> Iterator[bool]:
    """One of `limit` slots of this worker process for calls to the URL's destination
    (scheme, host and port); always granted with no limit. Per process, without a round
    trip: a hanging endpoint holds at most `limit` of each process's threads."""
    if limit <= 0:
        yield True
        return
    parts = urlsplit(url)
    key = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}/{limit}"
    with _slots_lock:
        slot = _slots.setdefault(key, threading.BoundedSemaphore(limit))
    acquired = slot.acquire(timeout=SLOT_WAIT_SECONDS)
    try:
        yield acquired
    finally:
        if acquired:
            slot.release()


def requeue(event: TaskEvent, delay_ms: int) -> None:
    """Send the instance to the queue again after `delay_ms`, as a new message (no retry
    counted: waiting for a busy destination is not a failure)."""
    _send(event, delay=delay_ms)


def enqueue(event: TaskEvent) -> None:
    """Hand a started instance to the workers: to this worker thread itself when it is
    running the action whose step started it (the next of a chain), else to the queue."""
    if not continuations.keep(event):
        _send(event)


def _send(event: TaskEvent, *, delay: int | None = None, retries: int = 0) -> None:
    """Send the instance to the queue, stamped with its company's schema."""
    settings = get_host().action_settings()
    options: dict[str, Any] = {"retries": retries} if retries else {}
    run_action.send_with_options(
        args=(asdict(event),),
        tenant_schema=event.schema_name,
        delay=delay,
        min_backoff=settings["min_backoff_ms"],
        max_backoff=settings["max_backoff_ms"],
        **options,
    )
