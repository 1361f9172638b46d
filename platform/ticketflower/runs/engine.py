"""The one adapter that runs kernel steps on the database (docs/decision-runs-engine.md).

Every write path of a workflow run comes here: the ticket submission (`submit`) and
every later event (`run`). A step

1. locks the workflow instance row (`SELECT ... FOR UPDATE`; runs/locking.py), which
   serializes the steps of one instance, so iteration numbers stay contiguous;
2. loads only what the step needs: the kernel's small state (newest iteration's data and
   the active instances) from that same row — never the history;
3. calls `kernel.step.step` with the cached compiled definition (runs/compiled.py); a
   refusal becomes a 400 (`invalid`) or a 409 (the rest) and changes nothing;
4. writes the effects in one statement (runs/writes.py): the iteration row, new task
   instances, status changes, the instance's new state (inserted, for a submission);
5. schedules the plugin notifications for after the commit (runs/notifications.py).

A common submission (no errors) is that one statement, atomic by itself, and needs no
transaction around it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.db import connection, transaction

from kernel import events as kernel_events
from kernel.events import INVALID, StepRefused
from kernel.forms import missing_required
from kernel.step import step as kernel_step
from kernel.workspace import check_writes
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.definitions.models import TicketDefinition
from ticketflower.notifications import events as notification_events
from ticketflower.observability import metrics
from ticketflower.postgresql.text import storable, text_problems
from ticketflower.runs import announcements, cards
from ticketflower.runs.compiled import Compiled, compiled
from ticketflower.runs.locking import lock
from ticketflower.runs.models import (
    ErrorType,
    TicketError,
    TicketInstance,
    WorkflowInstance,
    WorkflowStatus,
)
from ticketflower.runs.writes import StepResult, apply

log = logging.getLogger("ticketflower.runs")


def step(definition: Any, state: Any, event: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """The kernel's step, timed for the metrics (the one place the engine calls it)."""
    with metrics.KERNEL_STEPS.labels(event["type"]).time():
        return kernel_step(definition, state, event)


# ---------------------------------------------------------------- refusals


def refusal(refused: StepRefused, pointers: dict[str, str] | None = None) -> ProblemError:
    """The API error of a refused step: 400 for invalid input, 409 for the rest.

    `pointers` maps a kernel pointer prefix (relative to the event, e.g. "/writes") onto
    where the value sits in the request body (e.g. "/data").
    """
    problems = []
    for problem in refused.problems:
        where = problem.pointer
        for prefix, replacement in (pointers or {}).items():
            if where == prefix or where.startswith(prefix + "/"):
                where = replacement + where[len(prefix) :]
                break
        problems.append((where, problem.message))
    if refused.code == INVALID:
        return ProblemError("The request breaks the workflow's definition.", problems)
    detail = "; ".join(message for _, message in problems) or refused.code
    return Conflict(detail[:1].upper() + detail[1:] + ".", problems)


# ---------------------------------------------------------------- the step


def submit(
    ticket_definition: TicketDefinition,
    fields: Any,
    *,
    ids: tuple[int, int],
    user: Any = None,
) -> tuple[TicketInstance, StepResult]:
    """Create a ticket and its workflow instance, and run the submission step.

    Invalid fields are refused (400, pointers under /fields) before anything is written.
    A workflow that cannot start (its stored definition no longer compiles, or the step
    fails unexpectedly) keeps the ticket NOT_STARTED with a WORKFLOW_CREATION error
    (`start` runs it later): the submission is never lost. `ids`: the new workflow
    instance's and ticket's ids, read by the caller (NEXT_IDS) before the step, so that
    the step sees $.ticket.id and every row is written at once.
    """
    workflow = ticket_definition.workflow
    try:
        comp = compiled(workflow)
    except ProblemError as unusable:
        where = "; ".join(f"{p['pointer']}: {p['message']}" for p in unusable.problems)
        message = f"The workflow could not start: {unusable.detail} {where}".strip()
        return _keep_unstarted(ticket_definition, fields, user, message, None)
    definition = comp.definition
    ticket_def = definition.tickets.get(ticket_definition.title)
    if ticket_def is None:  # cannot happen for a stored ACTIVE workflow: a bug, not input
        raise Conflict("The ticket definition is not part of its workflow's definition.")
    # The kernel checks this again in the step; checking first means a refused
    # submission writes (and rolls back) nothing at all.
    problems = check_writes(definition.field_checks, fields, ticket_def.fields, "/fields", "ticket")
    offered = cards.ticket_fields(definition, ticket_definition.title)
    schema = cards.workflow_schema(definition)
    problems += missing_required(schema, offered, fields, "/fields", "ticket")
    if problems:
        raise refusal(StepRefused(INVALID, problems))
    user_id = getattr(user, "pk", None)
    instance_id, ticket_id = ids
    # $.ticket.definition is the ticket definition's title, as in a simulation
    # (docs/decision-runs-engine.md).
    event = kernel_events.ticket_submitted(
        ticket_definition.title, fields, ticket_id=ticket_id, created_by=user_id
    )
    try:
        state, effects = step(definition, None, event)
    except StepRefused as refused:
        raise refusal(refused) from None
    except Exception as exc:
        log.exception("ticket %s: its workflow could not start", ticket_id)
        return _keep_unstarted(ticket_definition, fields, user, *_unexpected(exc))
    instance = WorkflowInstance(
        id=instance_id, workflow_id=comp.workflow_id, definition_version=comp.version
    )
    ticket = TicketInstance(
        id=ticket_id,
        ticket_definition=ticket_definition,
        workflow_instance=instance,
        created_by_id=user_id,
        fields=fields,
        summary=cards.summary(ticket_definition.title, offered, fields),
    )
    if user_id is not None:
        ticket.created_by = user  # shown in the answer: no query for it
    # One statement, atomic by itself: no transaction to open and commit (two round
    # trips); unused ids are only gaps in the sequences. Ticket errors (a condition error,
    # a conflict, a stall) take a second statement: a transaction holds both. Inside a
    # caller's transaction, a savepoint keeps a failed INSERT from aborting its work.
    # A step that announces something (a FORM task waiting, an error) writes its
    # deliveries in a second statement too.
    several = announcements.needed(comp, effects)
    with transaction.atomic() if several or connection.in_atomic_block else nullcontext():
        result = apply(comp, instance, ticket, state, effects, user=user, new=True)
    instance.ticket = ticket
    metrics.TICKETS_SUBMITTED.inc()
    return ticket, result


def _unexpected(exc: Exception) -> tuple[str, str]:
    """The message and trace of a WORKFLOW_CREATION error for an unexpected failure
    (call inside the `except`)."""
    message = f"The workflow could not start: unexpected {type(exc).__name__}: {exc}"
    return message, traceback.format_exc()


def _creation_error(ticket: TicketInstance, message: str, trace: str | None) -> TicketError:
    """A WORKFLOW_CREATION error, announced to the ticket admins (inside a transaction)."""
    error = TicketError.objects.create(
        ticket=ticket,
        error_type=ErrorType.WORKFLOW_CREATION,
        error_message=storable(message),
        stack_trace=storable(trace) if trace else None,
    )
    notification_events.ticket_errors(ticket, [error])
    return error


def _keep_unstarted(
    ticket_definition: TicketDefinition,
    fields: Any,
    user: Any,
    message: str,
    trace: str | None,
) -> tuple[TicketInstance, StepResult]:
    """Store a ticket whose workflow could not start: NOT_STARTED, its submitted fields on
    the ticket (as every ticket's), and a WORKFLOW_CREATION error (with the trace of an
    unexpected failure) for the ticket admins."""
    problems = text_problems(fields, "/fields")
    if problems:
        raise ProblemError("The ticket cannot be stored.", problems)
    workflow = ticket_definition.workflow
    with transaction.atomic():
        instance = WorkflowInstance.objects.create(
            workflow_id=workflow.pk,
            definition_version=workflow.version,
            status=WorkflowStatus.NOT_STARTED,
            # No kernel state yet (`start` makes it); the data alone, so that the ticket
            # is found by the search of its fields like any other.
            state={"data": fields},
        )
        ticket = TicketInstance.objects.create(
            ticket_definition=ticket_definition,
            workflow_instance=instance,
            created_by_id=getattr(user, "pk", None),
            fields=fields,
            summary=cards.summary(ticket_definition.title, list(fields), fields),
        )
        error = _creation_error(ticket, message, trace)
    instance.ticket = ticket
    metrics.TICKETS_SUBMITTED.inc()
    return ticket, StepResult(instance=instance, effects=[], errors=[error])


def start(instance_id: int, *, user: Any = None) -> StepResult:
    """Run the submission step of a ticket kept NOT_STARTED, on the fields it kept.

    409 when the workflow has started already or its definition still does not compile;
    fields the definition now refuses answer like a refused submission. Another unexpected
    failure records one more WORKFLOW_CREATION error and leaves the ticket NOT_STARTED.
    """
    with transaction.atomic():
        instance, _ = lock(instance_id=instance_id)
        if instance.status != WorkflowStatus.NOT_STARTED:
            detail = f"The workflow has started already: it is {instance.status}."
            raise Conflict(detail, [("", detail)])
        ticket = TicketInstance.objects.select_related("ticket_definition", "created_by").get(
            workflow_instance_id=instance.pk
        )
        comp = compiled(instance.workflow_id)
        event = kernel_events.ticket_submitted(
            ticket.ticket_definition.title,
            ticket.fields,
            ticket_id=ticket.pk,
            created_by=ticket.created_by_id,
        )
        try:
            state, effects = step(comp.definition, None, event)
        except StepRefused as refused:
            raise refusal(refused) from None
        except Exception as exc:
            log.exception("ticket %s: its workflow could not start", ticket.pk)
            error = _creation_error(ticket, *_unexpected(exc))
            return StepResult(instance=instance, effects=[], errors=[error])
        instance.workflow_id, instance.definition_version = comp.workflow_id, comp.version
        # Iteration 0 is the submitter's, whoever starts it.
        result = apply(comp, instance, ticket, state, effects, user=ticket.created_by)
        instance.ticket = ticket
        return result


# A new workflow instance's id and its ticket's (a select list; services.py reads them
# with the submitted ticket definition).
NEXT_IDS = (
    "nextval(pg_get_serial_sequence('runs_workflowinstance', 'id')),"
    " nextval(pg_get_serial_sequence('runs_ticketinstance', 'id'))"
)


def run(
    instance_id: int,
    event: dict[str, Any] | Callable[[WorkflowInstance], dict[str, Any]],
    *,
    user: Any = None,
    known: dict[int, int] | None = None,
    extra: dict[int, dict[str, Any]] | None = None,
    pointers: dict[str, str] | None = None,
) -> StepResult:
    """Run one event on a workflow instance, atomically, under its row lock.

    `event` may be a function of the locked instance (to read rows consistently under the
    lock). `known` maps seqs to task-instance ids the caller already has; `extra` adds
    column values to a task instance's status change (its output, its assignee).
    """
    with transaction.atomic():
        instance, _ = lock(instance_id=instance_id)
        if callable(event):
            event = event(instance)
        if instance.status == WorkflowStatus.NOT_STARTED:
            return _unstarted_step(instance, event)
        comp = compiled(instance.workflow_id)
        return _step(comp, instance, event, user, known, extra, pointers)


def run_for_task(
    task_id: int,
    event: Callable[[WorkflowInstance, int], dict[str, Any]],
    *,
    user: Any = None,
    extra: dict[str, Any] | None = None,
) -> StepResult:
    """Run an event about one task instance: `event(instance, seq)` under the lock of the
    task's workflow instance (found through the task in the same query; 404 when there is
    no such task). `extra` adds column values to the task's status change."""
    with transaction.atomic():
        instance, seq = lock(task_id=task_id)
        comp = compiled(instance.workflow_id)
        return _step(
            comp,
            instance,
            event(instance, seq),
            user,
            {seq: task_id},
            {seq: extra} if extra else None,
            None,
        )


def _step(
    comp: Compiled,
    instance: WorkflowInstance,
    event: dict[str, Any],
    user: Any,
    known: dict[int, int] | None,
    extra: dict[int, dict[str, Any]] | None,
    pointers: dict[str, str] | None,
) -> StepResult:
    try:
        state, effects = step(comp.definition, instance.state, event)
    except StepRefused as refused:
        raise refusal(refused, pointers) from None
    return apply(
        comp, instance, instance.ticket, state, effects, user=user, known=known, extra=extra
    )


def _unstarted_step(instance: WorkflowInstance, event: dict[str, Any]) -> StepResult:
    """An event on a workflow that never started (no state for the kernel): it can only be
    cancelled; everything else waits for `start`."""
    if event["type"] != "workflow_cancelled":
        detail = "The workflow has not started (see its WORKFLOW_CREATION error): start it first."
        raise Conflict(detail, [("", detail)])
    instance.status = WorkflowStatus.CANCELLED
    instance.save(update_fields=["status", "updated_at"])
    effect = {"type": "workflow_status", "status": WorkflowStatus.CANCELLED, "completion": None}
    return StepResult(instance=instance, effects=[effect])
