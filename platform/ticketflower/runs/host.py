"""The platform's side of the plugin host seam (plugins/host.py), installed at start-up.

Every method runs inside the tenant schema of the event and goes through `services`,
hence through the one kernel adapter.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from plugins.host import OutputRefused, TaskNotActive
from plugins.types import TaskEvent
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.postgresql import rows as sql_rows
from ticketflower.runs import services
from ticketflower.runs.compiled import compiled
from ticketflower.runs.models import (
    ACTIVE_TASK_STATUSES,
    TaskInstance,
    WorkflowData,
    WorkflowInstance,
)


def in_schema(schema_name: str) -> AbstractContextManager:
    """Inside the company's schema: no switch when the connection is there already (a
    worker's message), so the connection keeps the company the worker selected."""
    if connection.schema_name == schema_name:
        return nullcontext()
    return schema_context(schema_name)


def run_of(task: TaskInstance) -> int:
    """Which run of the instance this is: a retry restarts the same instance (a new
    `started_at`), and requests, keys and callbacks of an earlier run must not count."""
    return int(task.started_at.timestamp() * 1_000_000) if task.started_at else 0


@cache
def _context_sql() -> str:
    """A task's status and run, its workflow's id and state, and its input (the data of the
    iteration it started at): one query, in SQL written once (postgresql/rows.py)."""
    table = sql_rows.table
    return (
        "SELECT s.status, s.started_at, w.workflow_id, w.state,"
        f" (SELECT d.data FROM {table(WorkflowData)} d"
        "   WHERE d.workflow_instance_id = s.workflow_instance_id"
        "   AND d.iteration = s.start_iteration)"
        f" FROM {table(TaskInstance)} s"
        f" JOIN {table(WorkflowInstance)} w ON w.id = s.workflow_instance_id"
        " WHERE s.id = %s"
    )


class PlatformHost:
    """What plugins may ask of TicketFlower (see plugins.host.Host)."""

    def task_context(self, event: TaskEvent) -> dict[str, Any]:
        """The task definition (bundle form), its status, its input, the newest data and
        the ticket."""
        with in_schema(event.schema_name):
            with connection.cursor() as cursor:
                cursor.execute(_context_sql(), [event.task_instance_id])
                row = cursor.fetchone()
            if row is None:
                raise TaskInstance.DoesNotExist(f"No task instance {event.task_instance_id}.")
            status, started_at, workflow_id, state, data = row
            task = sql_rows.partial(
                TaskInstance, id=event.task_instance_id, status=status, started_at=started_at
            )
            definition = compiled(workflow_id).definition
            state = sql_rows.column_value(WorkflowInstance, "state", state) or {}
            data = sql_rows.column_value(WorkflowData, "data", data)
            return {
                "task": definition.tasks_by_title[event.task_title].raw,
                "status": status,
                "run": run_of(task),
                "input": data if data is not None else {},
                "data": state.get("data", {}),
                "ticket": state.get("ticket", {}),
            }

    def start_task(self, event: TaskEvent) -> None:
        """PENDING → IN_PROGRESS; raises TaskNotActive when it is not PENDING/OPEN."""
        with in_schema(event.schema_name):
            try:
                services.do_start_task(event.task_instance_id)
            except Conflict as exc:
                raise TaskNotActive(str(exc.detail)) from exc

    def complete_task(self, event: TaskEvent, output: dict[str, Any]) -> None:
        """Complete with `output`; raises TaskNotActive when no longer active and
        OutputRefused when the output is invalid."""
        with in_schema(event.schema_name):
            try:
                services.do_complete_task(event.task_instance_id, output, source="plugin")
            except Conflict as exc:
                raise TaskNotActive(str(exc.detail)) from exc
            except ProblemError as exc:
                reasons = "; ".join(f"{p['pointer']}: {p['message']}" for p in exc.problems)
                raise OutputRefused(reasons or str(exc.detail)) from exc

    def fail_task(self, event: TaskEvent, message: str) -> None:
        """ERROR with a TASK_UPDATE ticket error; a task no longer active is left alone."""
        with in_schema(event.schema_name):
            try:
                services.do_fail_task(event.task_instance_id, message)
            except Conflict as exc:
                raise TaskNotActive(str(exc.detail)) from exc

    def lease_task(self, event: TaskEvent, seconds: float) -> None:
        """Push the instance's due time `seconds` ahead and count the dispatch (an active
        instance only; one UPDATE, no step)."""
        with in_schema(event.schema_name):
            TaskInstance.objects.filter(
                pk=event.task_instance_id, status__in=ACTIVE_TASK_STATUSES
            ).update(
                due_at=timezone.now() + timedelta(seconds=seconds),
                dispatches=F("dispatches") + 1,
            )

    def renew_leases(self, events: list[TaskEvent], seconds: float) -> None:
        by_schema: dict[str, list[int]] = {}
        for event in events:
            by_schema.setdefault(event.schema_name, []).append(event.task_instance_id)
        for schema, ids in by_schema.items():
            with in_schema(schema):
                TaskInstance.objects.filter(pk__in=ids, status__in=ACTIVE_TASK_STATUSES).update(
                    due_at=timezone.now() + timedelta(seconds=seconds)
                )

    def complete_later(self, event: TaskEvent, output: dict[str, Any]) -> None:
        """Complete on a worker once the current transaction (if any) commits."""

        def send() -> None:
            from ticketflower.runs.actors import complete_task

            with in_schema(event.schema_name):
                complete_task.send(event.task_instance_id, output)

        transaction.on_commit(send)
