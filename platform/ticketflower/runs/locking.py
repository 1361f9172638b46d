"""The row lock every step takes: a workflow instance's row, found by its id or by one of
its task instances, read with the ticket's id and summary in the same query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from ticketflower.api.errors import ProblemError
from ticketflower.notifications.models import Webhook
from ticketflower.postgresql import rows as sql_rows
from ticketflower.runs.models import TaskInstance, TicketInstance, WorkflowInstance


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
    ticket_id, summary, definition_id, created_by_id, heard, seq = row[width : width + 6]
    if ticket_id is not None:
        instance.ticket = sql_rows.partial(
            TicketInstance,
            id=ticket_id,
            workflow_instance_id=instance.pk,
            summary=summary,
            ticket_definition_id=definition_id,
            created_by_id=created_by_id,
        )
        # Whether anyone could hear that the ticket finished (runs/announcements.py).
        instance.ticket.finish_heard = heard
    return instance, seq


@cache
def _lock_sql(*, by_task: bool) -> str:
    """The lock's query: the instance's columns, its ticket's id, summary, definition and
    submitter, whether anyone could hear that it finished (its submitter has an address,
    or the company has an active webhook: else announcing it would write nothing), the
    task's seq."""
    user_model = get_user_model()
    heard = (
        f"(EXISTS (SELECT 1 FROM {sql_rows.table(user_model)} u WHERE u.id = t.created_by_id"
        " AND u.is_active AND u.email <> '')"
        f" OR EXISTS (SELECT 1 FROM {sql_rows.table(Webhook)} h WHERE h.active))"
    )
    columns = (
        f"{sql_rows.select_list(WorkflowInstance, 'w')}, t.id, t.summary,"
        f" t.ticket_definition_id, t.created_by_id, {heard}"
    )
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
