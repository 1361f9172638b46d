"""Who sees which ticket, and through it which workflow instance, task, error and file
(docs/decision-runs-visibility.md).

A ticket_admin sees everything of the company. Anyone else sees the tickets they created
and those whose ticket definition lists one of their roles in `company_role_access`;
the tasks, iterations, errors and files of those tickets; and the tasks assigned to
them. Everything else answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ticketflower.accounts.roles import TICKET_ADMIN, has_role, role_names
from ticketflower.definitions.models import TaskType
from ticketflower.runs.models import (
    ACTIVE_TASK_STATUSES,
    FileUpload,
    TaskInstance,
    TicketError,
    TicketInstance,
    WorkflowInstance,
)


def sees_all(user: Any) -> bool:
    """Whether the user sees (and administers) every ticket: a ticket_admin."""
    return has_role(user, TICKET_ADMIN)


def may_work_on(user: Any, roles: list[str] | None) -> bool:
    """Whether the user may claim and complete a task whose definition names `roles`
    (none: anyone who sees its ticket; ticket admins always)."""
    return not roles or sees_all(user) or bool(role_names(user) & set(roles))


def needs_roles(roles: list[str]) -> str:
    """How a refusal names the roles that would allow it."""
    return "one of the roles " + ", ".join(sorted(roles))


def claimable_q(user: Any) -> Q:
    """The tasks the user may claim: active FORM tasks nobody has, whose roles the user
    holds (all of them for a ticket admin)."""
    q = Q(task_type=TaskType.FORM, status__in=ACTIVE_TASK_STATUSES, assigned_to__isnull=True)
    if sees_all(user):
        return q
    workable = Q(task_definition__roles=[])
    roles = sorted(role_names(user))
    if roles:
        workable |= Q(task_definition__roles__overlap=roles)
    return q & workable


def may_claim(user: Any, task: TaskInstance) -> bool:
    """claimable_q for one task row (its definition loaded)."""
    return (
        task.task_type == TaskType.FORM
        and task.is_active
        and task.assigned_to_id is None
        and may_work_on(user, task.task_definition.roles)
    )


def ticket_q(user: Any, prefix: str = "") -> Q | None:
    """The condition on tickets (reached through `prefix`) that the user sees; None: all."""
    if sees_all(user):
        return None
    q = Q(**{f"{prefix}created_by": user.pk})
    roles = sorted(role_names(user))
    if roles:
        q |= Q(**{f"{prefix}ticket_definition__company_role_access__overlap": roles})
    return q


def readers_q(ticket: TicketInstance) -> Q:
    """ticket_q turned around: the condition on users who see `ticket` (its ticket
    admins, its creator, the holders of a role its definition lists), to find them in
    one query."""
    q = Q(groups__name=TICKET_ADMIN)
    if ticket.created_by_id is not None:
        q |= Q(pk=ticket.created_by_id)
    roles = sorted(ticket.ticket_definition.company_role_access or [])
    if roles:
        q |= Q(groups__name__in=roles)
    return q


def _filtered(queryset: QuerySet, q: Q | None) -> QuerySet:
    return queryset if q is None else queryset.filter(q)


def visible_tickets(user: Any) -> QuerySet[TicketInstance]:
    """The tickets the user sees."""
    return _filtered(TicketInstance.objects.all(), ticket_q(user))


def visible_instances(user: Any) -> QuerySet[WorkflowInstance]:
    """The workflow instances of the tickets the user sees."""
    return _filtered(WorkflowInstance.objects.all(), ticket_q(user, "ticket__"))


def visible_tasks(user: Any) -> QuerySet[TaskInstance]:
    """The task instances of visible tickets, and those assigned to the user."""
    q = ticket_q(user, "workflow_instance__ticket__")
    if q is not None:
        q |= Q(assigned_to=user.pk)
    return _filtered(TaskInstance.objects.all(), q)


def visible_errors(user: Any) -> QuerySet[TicketError]:
    """The ticket errors of the tickets the user sees."""
    return _filtered(TicketError.objects.all(), ticket_q(user, "ticket__"))


def visible_files(user: Any) -> QuerySet[FileUpload]:
    """Files the user uploaded, and the files of the tickets the user sees."""
    q = ticket_q(user, "ticket__")
    if q is not None:
        q |= Q(uploaded_by=user.pk)
    return _filtered(FileUpload.objects.all(), q)
