"""What a step announces to people and webhooks (notifications/events.py): a ticket that
finished, FORM tasks waiting to be claimed, ticket errors. Written in the step's
transaction (the outbox), sent by a worker after it commits."""

from __future__ import annotations

from ticketflower.definitions.models import TaskType
from ticketflower.notifications import events
from ticketflower.runs.compiled import Compiled
from ticketflower.runs.models import TaskInstance, TaskStatus, TicketError, TicketInstance


def needed(comp: Compiled, effects: list[dict]) -> bool:
    """Whether the step announces something (then a submission needs a transaction)."""
    for effect in effects:
        kind = effect["type"]
        if kind == "ticket_error":
            return True
        if kind == "workflow_status" and effect["status"] in events.FINISHED:
            return True
        if kind == "task_created" and effect["task"] in comp.form_tasks:
            return True
    return False


def after_step(
    comp: Compiled,
    ticket: TicketInstance | None,
    effects: list[dict],
    created: list[TaskInstance],
    errors: list[TicketError],
) -> None:
    """Announce what the step did (call inside its transaction, after its writes)."""
    if ticket is None:
        return
    finished = [
        e["status"]
        for e in effects
        if e["type"] == "workflow_status" and e["status"] in events.FINISHED
    ]
    waiting = [
        t
        for t in created
        if t.task_type == TaskType.FORM and t.status == TaskStatus.OPEN and t.assigned_to_id is None
    ]
    for task in waiting:
        title = getattr(task, "task_title", "")
        events.task_claimable(
            task.pk,
            title,
            comp.task_roles.get(title, []),
            ticket_id=ticket.pk,
            summary=getattr(ticket, "summary", None),
            ticket_access=comp.ticket_access.get(ticket.ticket_definition_id, []),
        )
    if errors:
        events.ticket_errors(ticket, errors)
    # The lock read whether anyone could hear it: announcing to nobody costs a statement.
    if finished and getattr(ticket, "finish_heard", True):
        events.ticket_finished(ticket, finished[-1])
