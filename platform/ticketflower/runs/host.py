"""The platform's side of the plugin host seam (plugins/host.py), installed at start-up.

Every method runs inside the tenant schema of the event and goes through `services`,
hence through the one kernel adapter.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django_tenants.utils import schema_context

from plugins.host import OutputRefused, TaskNotActive
from plugins.types import TaskEvent
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.runs import engine, services
from ticketflower.runs.models import TaskInstance, WorkflowData


def run_of(task: TaskInstance) -> int:
    """Which run of the instance this is: a retry restarts the same instance (a new
    `started_at`), and requests, keys and callbacks of an earlier run must not count."""
    return int(task.started_at.timestamp() * 1_000_000) if task.started_at else 0


class PlatformHost:
    """What plugins may ask of TicketFlower (see plugins.host.Host)."""

    def task_context(self, event: TaskEvent) -> dict[str, Any]:
        """The task definition (bundle form), its status, its input, the newest data and
        the ticket."""
        # The input is the data of the iteration the task started at: read in the same query.
        started_with = WorkflowData.objects.filter(
            workflow_instance=OuterRef("workflow_instance_id"),
            iteration=OuterRef("start_iteration"),
        ).values("data")[:1]
        with schema_context(event.schema_name):
            task = (
                TaskInstance.objects.select_related("workflow_instance")
                .annotate(input_data=Subquery(started_with))
                .get(pk=event.task_instance_id)
            )
            instance = task.workflow_instance
            definition = engine.compiled(instance.workflow_id).definition
            state = instance.state or {}
            return {
                "task": definition.tasks_by_title[event.task_title].raw,
                "status": task.status,
                "run": run_of(task),
                "input": task.input_data if task.input_data is not None else {},
                "data": state.get("data", {}),
                "ticket": state.get("ticket", {}),
            }

    def start_task(self, event: TaskEvent) -> None:
        """PENDING → IN_PROGRESS; raises TaskNotActive when it is not PENDING/OPEN."""
        with schema_context(event.schema_name):
            try:
                services.do_start_task(event.task_instance_id)
            except Conflict as exc:
                raise TaskNotActive(str(exc.detail)) from exc

    def complete_task(self, event: TaskEvent, output: dict[str, Any]) -> None:
        """Complete with `output`; raises TaskNotActive when no longer active and
        OutputRefused when the output is invalid."""
        with schema_context(event.schema_name):
            try:
                services.do_complete_task(event.task_instance_id, output, source="plugin")
            except Conflict as exc:
                raise TaskNotActive(str(exc.detail)) from exc
            except ProblemError as exc:
                reasons = "; ".join(f"{p['pointer']}: {p['message']}" for p in exc.problems)
                raise OutputRefused(reasons or str(exc.detail)) from exc

    def fail_task(self, event: TaskEvent, message: str) -> None:
        """ERROR with a TASK_UPDATE ticket error; a task no longer active is left alone."""
        with schema_context(event.schema_name):
            try:
                services.do_fail_task(event.task_instance_id, message)
            except Conflict as exc:
                raise TaskNotActive(str(exc.detail)) from exc

    def complete_later(self, event: TaskEvent, output: dict[str, Any]) -> None:
        """Complete on a worker once the current transaction (if any) commits."""

        def send() -> None:
            from ticketflower.runs.actors import complete_task

            with schema_context(event.schema_name):
                complete_task.send(event.task_instance_id, output)

        transaction.on_commit(send)
