"""The web app's comments: the list and form on a ticket's and a task's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ticketflower.api.errors import ProblemError
from ticketflower.discussions import services
from ticketflower.runs import access


def for_page(user: Any, ticket_id: int, task_id: int | None = None) -> dict[str, Any]:
    """What a page shows of the comments: those the user sees (of one task, if given),
    whether the user takes part (someone assigned a task of a ticket they do not see
    opens the task's page, not its ticket's conversation) and writes internal notes."""
    comments = services.visible_comments(user).filter(ticket_id=ticket_id)
    if task_id is not None:
        comments = comments.filter(task_id=task_id)
    return {
        "comments": comments.select_related("author", "task__task_definition").order_by("id"),
        "may_comment": access.visible_tickets(user).filter(pk=ticket_id).exists(),
        "may_note": services.reads_internal_notes(user),
    }


@login_required
@require_POST
def add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comment to ticket `pk` (on one of its tasks with `task`), back to the page."""
    ticket = access.visible_tickets(request.user).filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such ticket.")
    task_id = request.POST.get("task") or ""
    if task_id and not task_id.isdigit():
        raise Http404("No such task.")
    task = None
    try:
        task = services.task_of(ticket, int(task_id) if task_id else None)
        services.do_add_comment(
            ticket,
            author=request.user,
            body=request.POST.get("body", ""),
            internal=request.POST.get("internal") == "1",
            task=task,
        )
        messages.success(request, "Comment added.")
    except ProblemError as refusal:
        messages.error(request, "; ".join(p["message"] for p in refusal.problems))
    if task is not None:
        return redirect(f"/tasks/{task.pk}/#comments")
    return redirect(f"/tickets/{ticket.pk}/#comments")
