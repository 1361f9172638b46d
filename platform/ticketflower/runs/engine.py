"""The one adapter that runs kernel steps on the database (docs/decision-runs-engine.md).

Every write path of a workflow run comes here: the ticket submission (`submit`) and
every later event (`run`). A step

1. locks the workflow instance row (`SELECT ... FOR UPDATE`), which serializes the steps
   of one instance, so iteration numbers stay contiguous under concurrency;
2. loads only what the step needs: the kernel's small state (newest iteration's data and
   the active instances) from that same row — never the history;
3. calls `kernel.step.step`; a refusal becomes a 400 (`invalid`) or a 409 (the rest) and
   changes nothing;
4. applies the effects in the same transaction with bulk writes (one iteration row, new
   task instances, status changes, ticket errors, the instance's new state);
5. schedules the plugin notifications with `transaction.on_commit`.

A common submission (no errors) writes its rows in one statement, atomic by itself, and
needs no transaction around it.

The compiled kernel `Definition` is cached per company and workflow version:
ACTIVE and ARCHIVED definitions are immutable (docs/decision-runs-engine.md).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kernel import events as kernel_events
from kernel.bundle import Definition
from kernel.events import INVALID, StepRefused
from kernel.forms import missing_required
from kernel.problems import InvalidBundle
from kernel.state import ACTIVE_STATUSES
from kernel.step import step
from kernel.workspace import check_writes
from plugins.bundles import compile_definition
from plugins.manager import notify
from plugins.types import TaskEvent
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.definitions import bundles
from ticketflower.definitions.models import TicketDefinition, WorkflowDefinition
from ticketflower.postgresql import rows as sql_rows
from ticketflower.postgresql.text import storable, text_problems
from ticketflower.runs import cards
from ticketflower.runs.models import (
    ErrorType,
    TaskInstance,
    TaskStatus,
    TicketError,
    TicketInstance,
    WorkflowData,
    WorkflowInstance,
    WorkflowStatus,
)

log = logging.getLogger("ticketflower.runs")

CACHE_SIZE = 512


# ---------------------------------------------------------------- compiled definitions


@dataclass(frozen=True)
class Compiled:
    """A workflow version compiled for the kernel, with the ids of its parts by title."""

    workflow_id: int
    version: int
    definition: Definition
    task_ids: dict[str, int]
    completion_ids: dict[str, int]


_cache: OrderedDict[tuple[int, int], Compiled] = OrderedDict()
_cache_lock = threading.Lock()


def compiled(workflow: WorkflowDefinition | int) -> Compiled:
    """The compiled definition of a workflow version (cached; compiled on first use).

    Keyed by company id and workflow id: ids repeat across companies, never within one,
    and a workflow that has instances is ACTIVE or ARCHIVED, hence immutable. The company
    id, not the schema name: a deleted company's schema name can come back with other
    workflows under the same ids. Not cached when the connection's tenant is not a
    company row (a bare `schema_context`: scripts, tests).
    """
    workflow_id = workflow if isinstance(workflow, int) else workflow.pk
    company_id = getattr(connection.tenant, "pk", None)
    key = (company_id, workflow_id)
    if company_id is not None:
        with _cache_lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
    # Always the whole row: a caller's instance may have deferred columns.
    workflow = WorkflowDefinition.objects.get(pk=workflow_id)
    tasks = bundles.parts(workflow, "tasks")
    completions = bundles.parts(workflow, "completions")
    bundle = {
        "format": "ticketflower.bundle/v1",
        "workflow": bundles.workflow_entry(workflow),
        "tasks": [bundles.part_entry(t) for t in tasks],
        "completions": [bundles.part_entry(c) for c in completions],
        "tickets": [bundles.part_entry(t) for t in bundles.parts(workflow, "tickets")],
    }
    try:
        definition = compile_definition(bundle)
    except InvalidBundle as invalid:
        # A stored workflow that no longer compiles (a plugin of one of its task types
        # was disabled, say): the run cannot go on until it is back, but it is no 500.
        raise ProblemError(
            f"Workflow {workflow_id} cannot run: its definition has problems (pointers "
            "into its bundle).",
            [(p.pointer, p.message) for p in invalid.problems],
            type="invalid_definition",
            status_code=409,
        ) from None
    result = Compiled(
        workflow_id=workflow_id,
        version=workflow.version,
        definition=definition,
        task_ids={t.title: t.pk for t in tasks},
        completion_ids={c.title: c.pk for c in completions},
    )
    if company_id is not None:
        with _cache_lock:
            _cache[key] = result
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget every compiled definition (tests)."""
    with _cache_lock:
        _cache.clear()


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


# ---------------------------------------------------------------- results


@dataclass
class StepResult:
    """What a step did: the locked instance as saved, its effects and the rows it wrote."""

    instance: WorkflowInstance
    effects: list[dict]
    iteration: WorkflowData | None = None
    created: list[TaskInstance] = field(default_factory=list)
    errors: list[TicketError] = field(default_factory=list)


# ---------------------------------------------------------------- the step


def submit(
    ticket_definition: TicketDefinition, fields: Any, *, user: Any = None
) -> tuple[TicketInstance, StepResult]:
    """Create a ticket and its workflow instance, and run the submission step.

    Invalid fields are refused (400, pointers under /fields) before anything is written.
    A workflow that cannot start (its stored definition no longer compiles, or the step
    fails unexpectedly) keeps the ticket NOT_STARTED with a WORKFLOW_CREATION error
    (`start` runs it later): the submission is never lost.
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
    # The ids first, so that the step sees $.ticket.id and every row is written at once.
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_IDS)
        instance_id, ticket_id = cursor.fetchone()
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
    if all(e["type"] in _FAST_EFFECTS for e in effects):
        # One statement, atomic by itself: no transaction to open and commit (two round
        # trips). Unused ids are only gaps in the sequences. Inside a caller's transaction,
        # a savepoint keeps a failed INSERT from aborting the caller's work.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            result = _submit_at_once(comp, instance, ticket, state, effects, user_id)
    else:
        # Errors (a condition error, a conflict, a stall): the general path.
        with transaction.atomic():
            _insert_at_once([(WorkflowInstance, [instance]), (TicketInstance, [ticket])])
            result = _apply(comp, instance, ticket, state, effects, user=user)
    instance.ticket = ticket
    return ticket, result


def _unexpected(exc: Exception) -> tuple[str, str]:
    """The message and trace of a WORKFLOW_CREATION error for an unexpected failure
    (call inside the `except`)."""
    message = f"The workflow could not start: unexpected {type(exc).__name__}: {exc}"
    return message, traceback.format_exc()


def _creation_error(ticket: TicketInstance, message: str, trace: str | None) -> TicketError:
    return TicketError.objects.create(
        ticket=ticket,
        error_type=ErrorType.WORKFLOW_CREATION,
        error_message=storable(message),
        stack_trace=storable(trace) if trace else None,
    )


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
        result = _apply(comp, instance, ticket, state, effects, user=ticket.created_by)
        instance.ticket = ticket
        return result


# The common submission's effects: it starts the workflow, writes iteration 0, starts tasks.
_FAST_EFFECTS = frozenset({"workflow_status", "iteration", "task_created"})
_NEXT_IDS = (
    "SELECT nextval(pg_get_serial_sequence('runs_workflowinstance', 'id')), "
    "nextval(pg_get_serial_sequence('runs_ticketinstance', 'id'))"
)


def _submit_at_once(
    comp: Compiled,
    instance: WorkflowInstance,
    ticket: TicketInstance,
    state: dict[str, Any],
    effects: list[dict],
    user_id: int | None,
) -> StepResult:
    """Write a submission in one SQL statement: instance, ticket, iteration 0, its tasks.

    A submission is the hottest write path (bench/submit.py, docs/benchmarks.md); five
    INSERTs chained in one statement (data-modifying CTEs) cost one round trip, not five.
    """
    now = timezone.now()
    for effect in effects:
        if effect["type"] == "workflow_status":
            instance.status = effect["status"]
            if effect["completion"] is not None:
                instance.completion_id = comp.completion_ids[effect["completion"]]
    instance.state = state
    instance.iteration = state["iteration"]
    rows = [_iteration_row(instance, e, {}, user_id) for e in effects if e["type"] == "iteration"]
    created = [e for e in effects if e["type"] == "task_created"]
    tasks = _task_rows(comp, instance, created, now)
    ids = _insert_at_once(
        [
            (WorkflowInstance, [instance]),
            (TicketInstance, [ticket]),
            (WorkflowData, rows),
            (TaskInstance, tasks),
        ],
        returning=TaskInstance,
    )
    result = StepResult(instance=instance, effects=effects, iteration=rows[0] if rows else None)
    for task, task_id, effect in zip(tasks, ids, created, strict=True):
        task.pk = task_id
        task.task_title = effect["task"]
        task.ticket_id = ticket.pk
        # What the API shows of a new task, so answering costs no query.
        task.start_data = rows[0].data if rows else {}
        task.ticket_summary = ticket.summary
    result.created = tasks
    _schedule_notifications(comp, instance, tasks, [], {t.seq: t.pk for t in tasks})
    return result


def _insert_at_once(batches: list[tuple[type, list]], returning: type | None = None) -> list[int]:
    """INSERT every batch in one statement; returns the new ids of the `returning` model's
    rows when that batch is the last (non-empty) one, else []."""
    ids = _write_at_once(_insert_parts(batches, returning))
    for _model, objs in batches:
        sql_rows.mark_saved(objs)
    return ids


def _insert_parts(
    batches: list[tuple[type, list]], returning: type | None = None
) -> list[tuple[str, list]]:
    """One INSERT per non-empty batch; the last returns its new ids when its model is
    `returning`. Rows with an id keep it; the others get theirs from the database.

    Written by postgresql/rows.py as Django's insert compiler writes them (conversions and
    auto timestamps are the ORM's), without compiling: the hottest write paths.
    """
    batches = [(model, objs) for model, objs in batches if objs]
    return [
        sql_rows.insert(
            model,
            objs,
            returning_pk=index == len(batches) - 1 and model is returning and objs[0].pk is None,
        )
        for index, (model, objs) in enumerate(batches)
    ]


def _write_at_once(parts: list[tuple[str, list]]) -> list[int]:
    """Run compiled writes as one statement (data-modifying CTEs): one round trip instead
    of one each. They must touch distinct rows (they share one snapshot); the last may
    return ids, which are returned."""
    if not parts:
        return []
    *ctes, (final_sql, final_params) = parts
    sql = final_sql
    params: list = []
    if ctes:
        sql = "WITH " + ", ".join(f"w{i} AS ({s})" for i, (s, _) in enumerate(ctes)) + " " + sql
        params = [p for _, ps in ctes for p in ps]
    with connection.cursor() as cursor:
        cursor.execute(sql, params + final_params)
        return [row[0] for row in cursor.fetchall()] if cursor.description else []


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
    return _apply(
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


# ---------------------------------------------------------------- applying effects


def _apply(
    comp: Compiled,
    instance: WorkflowInstance,
    ticket: TicketInstance,
    state: dict[str, Any],
    effects: list[dict],
    *,
    user: Any = None,
    known: dict[int, int] | None = None,
    extra: dict[int, dict[str, Any]] | None = None,
) -> StepResult:
    """Persist one step's effects; the caller's transaction makes them all or nothing."""
    now = timezone.now()
    result = StepResult(instance=instance, effects=effects)
    ids: dict[int, int] = dict(known or {})
    user_id = getattr(user, "pk", None)
    iteration_effect = None
    created: list[dict] = []
    changes: list[dict] = []
    errors: list[dict] = []
    for effect in effects:
        kind = effect["type"]
        if kind == "iteration":
            iteration_effect = effect
        elif kind == "task_created":
            created.append(effect)
        elif kind == "task_status":
            changes.append(effect)
        elif kind == "ticket_error":
            errors.append(effect)
        elif kind == "workflow_status":
            instance.status = effect["status"]
            if effect["completion"] is not None:
                instance.completion_id = comp.completion_ids[effect["completion"]]

    # Every write of the step in one statement: the task rows it changes, its iteration, the
    # instance's new state and the tasks it starts (whose ids come back). No row is written
    # twice, and none depends on another's new values.
    parts = _change_parts(instance, changes, now, extra or {}, user_id)
    if iteration_effect is not None:
        result.iteration = _iteration_row(instance, iteration_effect, ids, user_id)
        parts += _insert_parts([(WorkflowData, [result.iteration])])
    instance.state = state
    instance.iteration = state["iteration"]
    instance.updated_at = now
    instance_values = {
        "state": state,
        "status": instance.status,
        "iteration": instance.iteration,
        "completion_id": instance.completion_id,
        "updated_at": now,
    }
    parts.append(sql_rows.update(WorkflowInstance, instance_values, '"id" = %s', [instance.pk]))
    rows = _task_rows(comp, instance, created, now)
    parts += _insert_parts([(TaskInstance, rows)], returning=TaskInstance)
    new_ids = _write_at_once(parts)
    sql_rows.mark_saved([*rows, *([result.iteration] if result.iteration is not None else [])])
    for row, task_id, effect in zip(rows, new_ids, created, strict=True):
        row.pk = task_id
        # What the API shows of a new instance, so answering costs no query.
        row.task_title = effect["task"]
        row.ticket_id = ticket.pk
        if result.iteration is not None:
            row.start_data = result.iteration.data
        summary = getattr(ticket, "summary", None)
        if summary is not None:
            row.ticket_summary = summary
    result.created = rows
    ids.update({task.seq: task.pk for task in rows})
    if errors:
        # Rare (a condition error, a conflict, a stall), and they need the new tasks' ids.
        result.errors = _insert_errors(comp, instance, ticket, errors, ids)
    _schedule_notifications(comp, instance, result.created, changes, ids)
    return result


def _iteration_row(
    instance: WorkflowInstance, effect: dict, ids: dict[int, int], user_id: int | None
) -> WorkflowData:
    source = effect["source"]
    return WorkflowData(
        workflow_instance=instance,
        iteration=effect["iteration"],
        source=source,
        task_instance_id=ids.get(source["seq"]) if "seq" in source else None,
        created_by_id=user_id,
        written=effect["written"],
        data=effect["data"],
        decisions=effect["decisions"],
    )


def _task_rows(
    comp: Compiled, instance: WorkflowInstance, created: list[dict], now: Any
) -> list[TaskInstance]:
    return [
        TaskInstance(
            workflow_instance=instance,
            seq=effect["seq"],
            task_definition_id=comp.task_ids[effect["task"]],
            task_type=effect["task_type"],
            status=effect["status"],
            start_iteration=effect["start_iteration"],
            started_at=now if effect["status"] in ACTIVE_STATUSES else None,
        )
        for effect in created
    ]


def _change_parts(
    instance: WorkflowInstance,
    changes: list[dict],
    now: Any,
    extra: dict[int, dict[str, Any]],
    user_id: int | None,
) -> list[tuple[str, list]]:
    """The UPDATEs of changed task instances, one per distinct set of new values."""
    seqs = [effect["seq"] for effect in changes]
    if len(set(seqs)) != len(seqs):
        # PostgreSQL would apply only one of two UPDATEs of a row in one statement.
        raise RuntimeError(f"a step changed a task instance twice: {sorted(seqs)}")
    groups: dict[tuple, list[int]] = {}
    for effect in changes:
        values: dict[str, Any] = {
            "status": effect["status"],
            "start_iteration": effect["start_iteration"],
            "end_iteration": effect["end_iteration"],
        }
        if effect["status"] == TaskStatus.COMPLETED:
            values.update(completed_at=now, completed_by_id=user_id)
        elif effect["status"] in (TaskStatus.OPEN, TaskStatus.PENDING):
            # A retry restarts the instance (docs/decision-retry-reuses-instance.md).
            values.update(started_at=now, output=None, completed_at=None, completed_by_id=None)
        values.update(extra.get(effect["seq"], {}))
        key = tuple(sorted((k, _hashable(v)) for k, v in values.items()))
        groups.setdefault(key, []).append(effect["seq"])
    parts = []
    for key, seqs in groups.items():
        values = {k: _unhashable(v) for k, v in key}
        where = f'"workflow_instance_id" = %s AND "seq" IN ({", ".join(["%s"] * len(seqs))})'
        values = {"updated_at": now, **values}
        parts.append(sql_rows.update(TaskInstance, values, where, [instance.pk, *seqs]))
    return parts


class _Frozen:
    """A JSON value (an output) made hashable for grouping, compared by identity."""

    def __init__(self, value: Any):
        self.value = value


def _hashable(value: Any) -> Any:
    return _Frozen(value) if isinstance(value, dict | list) else value


def _unhashable(value: Any) -> Any:
    return value.value if isinstance(value, _Frozen) else value


def _insert_errors(
    comp: Compiled,
    instance: WorkflowInstance,
    ticket: TicketInstance,
    errors: list[dict],
    ids: dict[int, int],
) -> list[TicketError]:
    missing = {e["seq"] for e in errors if e["seq"] is not None and e["seq"] not in ids}
    if missing:
        ids.update(
            TaskInstance.objects.filter(workflow_instance=instance, seq__in=missing).values_list(
                "seq", "id"
            )
        )
    rows = [
        TicketError(
            ticket=ticket,
            task_instance_id=ids.get(e["seq"]) if e["seq"] is not None else None,
            task_definition_id=comp.task_ids.get(e["task"]) if e["task"] else None,
            completion_id=comp.completion_ids.get(e["completion"]) if e["completion"] else None,
            error_type=e["error_type"],
            error_message=e["message"],
        )
        for e in errors
    ]
    return TicketError.objects.bulk_create(rows)


# ---------------------------------------------------------------- notifications

# The lifecycle moment a plugin hears of, by the status a task instance went to.
_MOMENTS = {
    TaskStatus.COMPLETED: "completed",
    TaskStatus.ERROR: "failed",
    TaskStatus.OPEN: "started",  # a retry restarts it
    TaskStatus.PENDING: "started",
}


def _schedule_notifications(
    comp: Compiled,
    instance: WorkflowInstance,
    created: Iterable[TaskInstance],
    changes: list[dict],
    ids: dict[int, int],
) -> None:
    schema = connection.schema_name
    types = {t.title: t.task_type for t in comp.definition.tasks}
    pending: list[tuple[str, TaskEvent]] = []
    titles = {v: k for k, v in comp.task_ids.items()}
    # In the order things happened: what ended (a completion) before what it started.
    for effect in changes:
        moment = _MOMENTS.get(effect["status"])
        if moment is None or effect["seq"] not in ids:
            continue
        title = effect["task"]
        task_id = ids[effect["seq"]]
        pending.append(
            (moment, _event(schema, task_id, types[title], title, instance, effect["status"]))
        )
    for task in created:
        if task.status in ACTIVE_STATUSES:
            title = titles[task.task_definition_id]
            pending.append(
                ("started", _event(schema, task.pk, task.task_type, title, instance, task.status))
            )
    for moment, task_event in pending:
        # robust: a plugin's failure is logged and must not turn a committed step into a 500.
        transaction.on_commit(_notifier(moment, task_event), robust=True)


def _notifier(moment: str, task_event: TaskEvent) -> Callable[[], None]:
    """A named callback (Django logs a robust callback's failure by its __qualname__)."""

    def notify_plugins() -> None:
        _notify(moment, task_event)

    return notify_plugins


def _event(
    schema: str, task_id: int, task_type: str, title: str, instance: WorkflowInstance, status: str
) -> TaskEvent:
    return TaskEvent(
        schema_name=schema,
        task_instance_id=task_id,
        task_type=task_type,
        task_title=title,
        workflow_instance_id=instance.pk,
        status=status,
    )


def _notify(moment: str, task_event: TaskEvent) -> None:
    """Tell plugins, inside the event's schema (a worker may have switched it meanwhile)."""
    if connection.schema_name != task_event.schema_name:
        from django_tenants.utils import schema_context

        with schema_context(task_event.schema_name):
            notify(moment, task_event)
        return
    notify(moment, task_event)


def lock(
    *, instance_id: int | None = None, task_id: int | None = None
) -> tuple[WorkflowInstance, int | None]:
    """Lock a workflow instance's row (inside a transaction), by its id or by one of its
    task instances' ids: the instance, its ticket (id only) and, by task, the task's seq.
    Missing: WorkflowInstance.DoesNotExist by id, a 404 ProblemError by task.

    In SQL written once (postgresql/rows.py): the hottest read of every step.
    """
    sql = _lock_sql(by_task=task_id is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, [task_id if task_id is not None else instance_id])
        row = cursor.fetchone()
    if row is None and task_id is not None:
        raise ProblemError(
            f"No task instance {task_id}.",
            [("", f"No task instance {task_id}.")],
            type="not_found",
            status_code=404,
        )
    if row is None:
        raise WorkflowInstance.DoesNotExist(f"No workflow instance {instance_id}.")
    width = sql_rows.width(WorkflowInstance)
    instance = sql_rows.from_row(WorkflowInstance, row[:width])
    ticket_id, summary, seq = row[width], row[width + 1], row[width + 2]
    if ticket_id is not None:
        instance.ticket = sql_rows.partial(
            TicketInstance, id=ticket_id, workflow_instance_id=instance.pk, summary=summary
        )
    return instance, seq


@cache
def _lock_sql(*, by_task: bool) -> str:
    """The lock's query: the instance's columns, its ticket's id and summary, the task's
    seq."""
    columns = f"{sql_rows.select_list(WorkflowInstance, 'w')}, t.id, t.summary"
    tickets = f"LEFT JOIN {sql_rows.table(TicketInstance)} t ON t.workflow_instance_id = w.id"
    if by_task:
        return (
            f"SELECT {columns}, s.seq FROM {sql_rows.table(TaskInstance)} s"
            f" JOIN {sql_rows.table(WorkflowInstance)} w ON w.id = s.workflow_instance_id"
            f" {tickets} WHERE s.id = %s FOR UPDATE OF w"
        )
    return (
        f"SELECT {columns}, NULL FROM {sql_rows.table(WorkflowInstance)} w"
        f" {tickets} WHERE w.id = %s FOR UPDATE OF w"
    )


@contextmanager
def locked(instance_id: int) -> Iterator[WorkflowInstance]:
    """A transaction holding the instance's row lock, for changes outside the kernel's
    state (a task's assignee) that must not interleave with a step."""
    with transaction.atomic():
        yield lock(instance_id=instance_id)[0]
