"""Writing comments: who may, what a mention is, and telling the people mentioned
(docs/decision-comments.md)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ticketflower.accounts.roles import TICKET_ADMIN
from ticketflower.api.errors import ProblemError
from ticketflower.discussions.models import MAX_BODY, Comment
from ticketflower.notifications import events
from ticketflower.runs import access
from ticketflower.runs.models import TaskInstance, TicketInstance

# `@name` where the name is a username's characters (Django's: letters, digits, @.+-_),
# not part of an email address (no word character just before the @).
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
EDIT_WINDOW = timedelta(minutes=15)

log = logging.getLogger(__name__)


# Who reads and writes a ticket's internal notes: its ticket admins. A ticket_admin
# administers every ticket type of the company, so today the ticket does not change the
# answer; `reads_internal_notes` asks it of one user, INTERNAL_READERS of many (a test
# keeps the two in agreement).
INTERNAL_READERS = Q(groups__name=TICKET_ADMIN)


def reads_internal_notes(user: Any, ticket: TicketInstance | None = None) -> bool:
    """Whether the user reads and writes the internal notes of `ticket`."""
    return access.sees_all(user)


def visible_comments(user: Any) -> QuerySet[Comment]:
    """The comments a user sees: those of the tickets they see, internal notes only for
    ticket admins."""
    comments = Comment.objects.filter(ticket__in=access.visible_tickets(user))
    if not reads_internal_notes(user):
        comments = comments.filter(internal=False)
    return comments


def task_of(ticket: TicketInstance, task_id: int | None) -> TaskInstance | None:
    """The task `task_id` of this ticket (None for none); any other id is a problem at
    `/task`, worded alike whether the task is elsewhere or nowhere."""
    if task_id is None:
        return None
    task = TaskInstance.objects.filter(
        pk=task_id, workflow_instance_id=ticket.workflow_instance_id
    ).first()
    if task is None:
        raise ProblemError(
            "The comment cannot be added.",
            [("/task", f"Ticket {ticket.pk} has no task {task_id}.")],
        )
    return task


def _body_problems(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, str) or not body.strip():
        return [("/body", "Write something.")]
    if len(body) > MAX_BODY:
        return [("/body", f"At most {MAX_BODY} characters ({len(body)} given).")]
    if "\x00" in body:
        return [("/body", "The text holds a NUL character.")]
    return []


def mentioned_in(body: str, ticket: TicketInstance, *, internal: bool) -> list[User]:
    """The active users of this company named `@username` in `body` who may read it (an
    internal note: ticket admins only), found in one query. Other names stay plain text."""
    names = {m.rstrip(".") for m in MENTION.findall(body)}
    if not names:
        return []
    people = User.objects.filter(username__in=names, is_active=True).filter(
        access.readers_q(ticket)
    )
    if internal:
        people = people.filter(INTERNAL_READERS)
    return list(people.distinct().order_by("id"))


@transaction.atomic
def do_add_comment(
    ticket: TicketInstance,
    *,
    author: User,
    body: Any,
    internal: Any = False,
    task: TaskInstance | None = None,
) -> Comment:
    """Comment on a ticket the author sees (or on one of its tasks); mentions notify."""
    problems = _body_problems(body)
    if not isinstance(internal, bool):
        problems.append(("/internal", "Must be true or false."))
    elif internal and not reads_internal_notes(author, ticket):
        problems.append(("/internal", "Only a ticket_admin writes internal notes."))
    if task is not None and task.workflow_instance_id != ticket.workflow_instance_id:
        problems.append(("/task", f"Task {task.pk} is not a task of ticket {ticket.pk}."))
    if problems:
        raise ProblemError("The comment cannot be added.", problems)
    comment = Comment.objects.create(
        ticket=ticket, task=task, author=author, body=body, internal=internal
    )
    people = mentioned_in(body, ticket, internal=internal)
    comment.mentions.set(people)
    _announce(comment, people)
    return comment


@transaction.atomic
def do_edit_comment(comment: Comment, *, user: User, body: Any) -> Comment:
    """Its author corrects a comment within 15 minutes; newly mentioned people hear of it."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != user.pk:
        raise ProblemError(
            "Only its author may edit a comment.",
            [("", "You did not write this comment.")],
            type="permission_denied",
            status_code=403,
        )
    if timezone.now() - comment.created_at > EDIT_WINDOW:
        raise ProblemError(
            "The comment can no longer be edited.",
            [("/body", "A comment can be edited within 15 minutes of writing it.")],
            type="conflict",
            status_code=409,
        )
    problems = _body_problems(body)
    if problems:
        raise ProblemError("The comment cannot be changed.", problems)
    before = set(comment.mentions.values_list("pk", flat=True))
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    people = mentioned_in(body, comment.ticket, internal=comment.internal)
    comment.mentions.set(people)
    _announce(comment, [p for p in people if p.pk not in before])
    return comment


def _announce(comment: Comment, mentioned_users: list[User]) -> None:
    """Tell the people a comment newly mentions: the one place comments reach
    notifications. It runs inside the comment's transaction, so what it writes (the
    outbox's deliveries) commits or rolls back with the comment."""
    if not mentioned_users:
        return
    log.info(
        "comment %s on ticket %s mentions %s",
        comment.pk,
        comment.ticket_id,
        ", ".join(u.username for u in mentioned_users),
    )
    events.mentioned(comment, mentioned_users)
