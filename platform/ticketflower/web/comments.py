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
    and whether the user may write internal notes."""
    comments = services.visible_comments(user).filter(ticket_id=ticket_id)
    if task_id is not None:
        comments = comments.filter(task_id=task_id)
    return {
        "comments": comments.select_related("author", "task__task_definition").order_by("id"),
        "may_note": access.sees_all(user),
    }


@login_required
@require_POST
def add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comment to ticket `pk` (on one of its tasks with `task`), back to the page."""
    ticket = access.visible_tickets(request.user).filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such ticket.")
    task = None
    task_id = request.POST.get("task")
    if task_id:
        task = access.visible_tasks(request.user).filter(pk=task_id).first()
        if task is None:
            raise Http404("No such task.")
    try:
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
