"""A step's effects written to the database: one statement for all of them (data-modifying
CTEs, one round trip), built by postgresql/rows.py without the ORM's compiler. The same
path writes a submission, whose instance and ticket rows are new, and every later step,
which updates its instance (docs/decision-sql-written-once.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from kernel.state import ACTIVE_STATUSES
from ticketflower.observability import metrics
from ticketflower.postgresql import rows as sql_rows
from ticketflower.runs import announcements, notifications
from ticketflower.runs.compiled import Compiled
from ticketflower.runs.models import (
    TaskInstance,
    TaskStatus,
    TicketError,
    TicketInstance,
    WorkflowData,
    WorkflowInstance,
)


@dataclass
class StepResult:
    """What a step did: the locked instance as saved, its effects and the rows it wrote."""

    instance: WorkflowInstance
    effects: list[dict]
    iteration: WorkflowData | None = None
    created: list[TaskInstance] = field(default_factory=list)
    errors: list[TicketError] = field(default_factory=list)


def apply(
    comp: Compiled,
    instance: WorkflowInstance,
    ticket: TicketInstance,
    state: dict[str, Any],
    effects: list[dict],
    *,
    user: Any = None,
    known: dict[int, int] | None = None,
    extra: dict[int, dict[str, Any]] | None = None,
    new: bool = False,
) -> StepResult:
    """Persist one step's effects. `new`: the instance and its ticket are not stored yet
    (a submission) and are inserted by the same statement. Ticket errors, which are rare
    and need the new tasks' ids, take a second statement: the caller's transaction makes
    the step all or nothing then."""
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
            metrics.WORKFLOW_STATUS.labels(effect["status"]).inc()
            if effect["completion"] is not None:
                instance.completion_id = comp.completion_ids[effect["completion"]]
    instance.state = state
    instance.iteration = state["iteration"]
    # Every write of the step in one statement: the instance (new or changed), the task
    # rows it changes, its iteration and the tasks it starts (whose ids come back). No row
    # is written twice, and none depends on another's new values.
    if new:
        if changes:  # a new instance has no task yet whose status could change
            raise RuntimeError(f"a submission changed task instances: {changes}")
        parts = insert_parts([(WorkflowInstance, [instance]), (TicketInstance, [ticket])])
    else:
        instance.updated_at = now
        parts = _change_parts(comp, instance, changes, now, extra or {}, user_id)
        instance_values = {
            "state": state,
            "status": instance.status,
            "iteration": instance.iteration,
            "completion_id": instance.completion_id,
            "updated_at": now,
        }
        parts.append(sql_rows.update(WorkflowInstance, instance_values, '"id" = %s', [instance.pk]))
    if iteration_effect is not None:
        result.iteration = _iteration_row(instance, iteration_effect, ids, user_id)
        parts += insert_parts([(WorkflowData, [result.iteration])])
    rows = _task_rows(comp, instance, created, now)
    parts += insert_parts([(TaskInstance, rows)], returning=TaskInstance)
    new_ids = write_at_once(parts)
    written = [*rows, *([result.iteration] if result.iteration is not None else [])]
    sql_rows.mark_saved([instance, ticket, *written] if new else written)
    for row, task_id, effect in zip(rows, new_ids, created, strict=True):
        row.pk = task_id
        # What the API shows of a new instance, so answering costs no query.
        row.task_title = effect["task"]
        row.ticket_id = ticket.pk
        row.start_data = result.iteration.data if result.iteration is not None else {}
        summary = getattr(ticket, "summary", None)
        if summary is not None:
            row.ticket_summary = summary
    result.created = rows
    ids.update({task.seq: task.pk for task in rows})
    if errors:
        result.errors = _insert_errors(comp, instance, ticket, errors, ids)
    announcements.after_step(comp, ticket, effects, result.created, result.errors or [])
    notifications.schedule(comp, instance, result.created, changes, ids)
    return result


def insert_parts(
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


def write_at_once(parts: list[tuple[str, list]]) -> list[int]:
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


def callback_deadline(task: dict[str, Any]) -> int:
    """Seconds an ASYNC_ACTION (in bundle form) waits for its callback: its own
    `callback_timeout_seconds`, else TICKETFLOWER_CALLBACK_TTL."""
    return task.get("callback_timeout_seconds") or settings.ACTION_CALLBACK_TTL_SECONDS


def due_at(comp: Compiled, title: str, status: str, now: Any) -> Any:
    """When the platform must look at an instance again if nothing happens: a task a
    worker must do (PENDING) is sent again after REDELIVER_AFTER_SECONDS unless a worker
    holds its lease; an ASYNC_ACTION
    waiting for its callback (IN_PROGRESS) fails at the callback's expiry; otherwise never
    (a person's task, an ended one)."""
    if status == TaskStatus.PENDING:
        # A call that outlasts this has its lease renewed while in flight (the HTTP
        # action plugin's leases.py): quick calls cost no write, a dead worker's work
        # comes back within a lease.
        return now + timedelta(seconds=settings.REDELIVER_AFTER_SECONDS)
    if status == TaskStatus.IN_PROGRESS:
        task = comp.definition.tasks_by_title.get(title)
        if task is not None and task.task_type == "ASYNC_ACTION":
            return now + timedelta(seconds=callback_deadline(task.raw))
    return None


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
            due_at=due_at(comp, effect["task"], effect["status"], now),
            deadline_at=deadline_at(comp, effect["task"], now),
        )
        for effect in created
    ]


def deadline_at(comp: Compiled, title: str, now: Any) -> Any:
    """A person's deadline for a new task instance: its definition's `deadline_seconds`
    from now (None without one)."""
    seconds = comp.task_deadlines.get(title)
    return now + timedelta(seconds=seconds) if seconds else None


def _change_parts(
    comp: Compiled,
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
        values["due_at"] = due_at(comp, effect["task"], effect["status"], now)
        if effect["status"] == TaskStatus.COMPLETED:
            values.update(completed_at=now, completed_by_id=user_id)
        elif effect["status"] in (TaskStatus.OPEN, TaskStatus.PENDING):
            # A retry restarts the instance (docs/decision-retry-reuses-instance.md).
            values.update(
                started_at=now, output=None, completed_at=None, completed_by_id=None,
                dispatches=0, last_failure=None,
            )  # fmt: skip
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
