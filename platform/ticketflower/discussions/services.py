"""Writing comments: who may, what a mention is, and telling the people mentioned."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ticketflower.api.errors import ProblemError
from ticketflower.discussions.models import MAX_BODY, Comment
from ticketflower.notifications import events
from ticketflower.runs import access
from ticketflower.runs.models import TaskInstance, TicketInstance

# `@name` where the name is a username's characters (Django's: letters, digits, @.+-_),
# not part of an email address (no word character just before the @).
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
EDIT_WINDOW = timedelta(minutes=15)


def visible_comments(user: Any) -> QuerySet[Comment]:
    """The comments a user sees: those of the tickets they see, internal notes only for
    ticket admins."""
    comments = Comment.objects.filter(ticket__in=access.visible_tickets(user))
    if not access.sees_all(user):
        comments = comments.filter(internal=False)
    return comments


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
    internal note: ticket admins only). Other names stay plain text."""
    names = {m.rstrip(".") for m in MENTION.findall(body)}
    if not names:
        return []
    found = []
    for user in User.objects.filter(username__in=names, is_active=True).order_by("id"):
        if internal and not access.sees_all(user):
            continue
        if access.visible_tickets(user).filter(pk=ticket.pk).exists():
            found.append(user)
    return found


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
    elif internal and not access.sees_all(author):
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
    events.mentioned(comment, people)
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
    events.mentioned(comment, [p for p in people if p.pk not in before])
    return comment
