"""What the platform announces, and to whom (docs/decision-notifications.md): each
function writes the event's deliveries in the caller's transaction (publish.py).

- a task assigned to someone by someone else: the assignee;
- a FORM task waiting for someone (created, or given back): the holders of its roles, or
  with no roles those whose roles see its ticket (ticket admins see every task in their
  queue and are not told of each);
- a ticket COMPLETED, CANCELLED or put ON_HOLD: whoever submitted it;
- a ticket error: the ticket admins;
- a task past its deadline: its assignee, else those who may claim it;
- a mention in a comment: the person mentioned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ticketflower.accounts.roles import TICKET_ADMIN
from ticketflower.notifications.kinds import Kind
from ticketflower.notifications.publish import publish

FINISHED = {"COMPLETED", "CANCELLED", "ON_HOLD"}


def _ticket_line(ticket_id: int | None, summary: str | None) -> str:
    if ticket_id is None:
        return ""
    return f"ticket #{ticket_id}" + (f" ({summary})" if summary else "")


def workers_roles(task_roles: list[str], ticket_access: list[str] | None) -> list[str]:
    """The roles whose holders may claim a task: its own, or with none those that see its
    ticket."""
    return list(task_roles) if task_roles else list(ticket_access or [])


def _ticket_access(ticket_definition_id: int | None) -> list[str]:
    from ticketflower.definitions.models import TicketDefinition

    found = (
        TicketDefinition.objects.filter(pk=ticket_definition_id)
        .values_list("company_role_access", flat=True)
        .first()
    )
    return list(found or [])


def task_assigned(task: Any, title: str, *, assignee_id: int, by_id: int | None) -> None:
    """A ticket admin gave a task to someone (not their own claim)."""
    if assignee_id == by_id:
        return
    ticket = _ticket_line(task.ticket_id, getattr(task, "ticket_summary", None))
    publish(
        Kind.TASK_ASSIGNED,
        users=[assignee_id],
        subject=f"Task '{title}' was assigned to you",
        text=f"The task '{title}' of {ticket} was assigned to you.",
        link=f"/tasks/{task.pk}/",
        ticket_id=task.ticket_id,
        data={"task": task.pk, "task_title": title, "assigned_to": assignee_id, "by": by_id},
    )


def task_claimable(
    task_id: int,
    title: str,
    roles: list[str],
    *,
    ticket_id: int | None,
    summary: str | None,
    ticket_access: list[str] | None = None,
    ticket_definition_id: int | None = None,
    exclude: int | None = None,
) -> None:
    """A FORM task waits for someone to claim it (`ticket_access`: the roles that see its
    ticket, read by `ticket_definition_id` when not given)."""
    if not roles and ticket_access is None:
        ticket_access = _ticket_access(ticket_definition_id)
    publish(
        Kind.TASK_CLAIMABLE,
        roles=workers_roles(roles, ticket_access),
        exclude=[exclude] if exclude else [],
        subject=f"Task '{title}' is waiting to be claimed",
        text=f"The task '{title}' of {_ticket_line(ticket_id, summary)} waits for someone "
        "to claim it.",
        link=f"/tasks/{task_id}/",
        ticket_id=ticket_id,
        data={"task": task_id, "task_title": title, "roles": roles},
    )


def ticket_finished(ticket: Any, status: str) -> None:
    """A ticket's workflow completed, was cancelled or was put on hold."""
    word = {"COMPLETED": "completed", "CANCELLED": "cancelled", "ON_HOLD": "put on hold"}[status]
    line = _ticket_line(ticket.pk, getattr(ticket, "summary", None))
    publish(
        Kind.TICKET_FINISHED,
        users=[ticket.created_by_id] if ticket.created_by_id else [],
        subject=f"Ticket #{ticket.pk} was {word}",
        text=f"Your {line} was {word}.",
        link=f"/tickets/{ticket.pk}/",
        ticket_id=ticket.pk,
        data={"status": status},
    )


def ticket_errors(ticket: Any, errors: list[Any]) -> None:
    """Ticket errors appeared on a ticket."""
    line = _ticket_line(ticket.pk, getattr(ticket, "summary", None))
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    publish(
        Kind.TICKET_ERROR,
        roles=[TICKET_ADMIN],
        subject=f"Ticket error on ticket #{ticket.pk}: {first.error_type}",
        text=f"{line[0].upper()}{line[1:]} has a ticket error{more}: {first.error_message}",
        link="/errors/",
        ticket_id=ticket.pk,
        data={
            "errors": [
                {"id": e.pk, "error_type": e.error_type, "error_message": e.error_message}
                for e in errors
            ]
        },
    )


def task_overdue(task: Any, title: str, roles: list[str], ticket_definition_id: int | None) -> None:
    """A task passed its deadline (told once: runs/deadlines.py)."""
    _deadline_event(
        Kind.TASK_OVERDUE,
        task,
        title,
        roles,
        ticket_definition_id,
        subject=f"Task '{title}' is overdue",
        what=f"passed its deadline ({task.deadline_at:%Y-%m-%d %H:%M} UTC)",
    )


def task_due_soon(
    task: Any, title: str, roles: list[str], ticket_definition_id: int | None
) -> None:
    """A task nears its deadline (told once: runs/deadlines.py)."""
    _deadline_event(
        Kind.TASK_DUE_SOON,
        task,
        title,
        roles,
        ticket_definition_id,
        subject=f"Task '{title}' is due soon",
        what=f"is due at {task.deadline_at:%Y-%m-%d %H:%M} UTC",
    )


def _deadline_event(
    kind: str,
    task: Any,
    title: str,
    roles: list[str],
    ticket_definition_id: int | None,
    *,
    subject: str,
    what: str,
) -> None:
    """To its assignee, else to who may claim it."""
    if task.assigned_to_id:
        users, holders = [task.assigned_to_id], []
    else:
        access = None if roles else _ticket_access(ticket_definition_id)
        users, holders = [], workers_roles(roles, access)
    ticket_id = getattr(task, "ticket_id", None)
    publish(
        kind,
        users=users,
        roles=holders,
        subject=subject,
        text=f"The task '{title}' of {_ticket_line(ticket_id, None)} {what}.",
        link=f"/tasks/{task.pk}/",
        ticket_id=ticket_id,
        data={"task": task.pk, "task_title": title, "deadline_at": task.deadline_at.isoformat()},
    )


def mentioned(comment: Any, users: Iterable[Any]) -> None:
    """People were mentioned in a comment (never its author)."""
    ids = [u.pk for u in users if u.pk != comment.author_id]
    if not ids:
        return
    author = getattr(comment.author, "username", "someone")
    publish(
        Kind.MENTIONED,
        users=ids,
        subject=f"{author} mentioned you on ticket #{comment.ticket_id}",
        text=f"{author} wrote on ticket #{comment.ticket_id}:\n\n{comment.body}",
        link=f"/tickets/{comment.ticket_id}/",
        ticket_id=comment.ticket_id,
        data={"comment": comment.pk, "author": comment.author_id, "mentioned": ids},
    )
