"""The pages: thin views over the same services and visibility rules as the API.

No business rule here: who may see, claim, complete or submit is `runs/access.py` and
`runs/services.py`; a refusal comes back as the API's ProblemError and is shown at the
field it points at.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ticketflower.accounts.roles import role_names
from ticketflower.api.errors import ProblemError
from ticketflower.definitions.models import TicketDefinition, WorkflowStatus
from ticketflower.runs import access, history, services
from ticketflower.runs.filters import text_q
from ticketflower.runs.models import ACTIVE_TASK_STATUSES, TaskInstance
from ticketflower.runs.serializers import task_data
from ticketflower.web.schema_forms import SchemaForm

PAGE_SIZE = 25


def _tasks(user: Any):
    """The user's visible tasks, described as the API describes them (one query)."""
    from ticketflower.runs.views import _described

    return _described(access.visible_tasks(user)).select_related("workflow_instance__ticket")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web-inbox")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Tasks assigned to me, and tasks I may claim, oldest first."""
    user = request.user
    active = _tasks(user).filter(status__in=ACTIVE_TASK_STATUSES).order_by("created_at")
    claimable = active.filter(task_type="FORM", assigned_to__isnull=True)
    workable = access.workable_q(user)
    if workable is not None:
        claimable = claimable.filter(workable)
    mine = [task_data(t) for t in active.filter(assigned_to=user.pk)[:100]]
    page = Paginator(claimable, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/inbox.html",
        {"mine": mine, "claimable": [task_data(t) for t in page], "page": page},
    )


def _task(request: HttpRequest, pk: int) -> TaskInstance:
    task = _tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("No such task.")
    return task


@login_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    """One task: what to do, from what, and its form when it is mine to complete."""
    row = _task(request, pk)
    data = task_data(row)
    ticket = row.workflow_instance.ticket
    mine = row.assigned_to_id == request.user.pk and row.is_active
    form = SchemaForm(data["output_schema"], request.POST or None) if mine else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.check_complete_task(row, form.values(), user=request.user)
        except ProblemError as refusal:
            form.add_problems(refusal.problems, "/output")
            if not refusal.problems:
                form.add_error(None, str(refusal.detail))
        else:
            messages.success(request, f"“{data['title']}” is done.")
            return redirect("web-inbox")
    claimable = (
        row.task_type == "FORM"
        and row.is_active
        and row.assigned_to_id is None
        and access.may_work_on(request.user, row.task_definition.roles)
    )
    return render(
        request,
        "web/task.html",
        {"task": data, "ticket": ticket, "form": form, "mine": mine, "claimable": claimable},
    )


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Claim or give back a task (the buttons of the task page)."""
    row = _task(request, pk)
    try:
        if action == "claim":
            services.do_claim_task(row, user=request.user)
            messages.success(request, "The task is yours.")
        elif action == "unassign":
            services.do_unassign_task(row, user=request.user)
            messages.success(request, "The task is back in the inbox.")
        else:
            raise Http404("No such action.")
    except ProblemError as refusal:
        messages.error(request, str(refusal.detail))
    return redirect("web-task", pk=pk)


def _submittable(user: Any):
    queryset = TicketDefinition.objects.filter(workflow__status=WorkflowStatus.ACTIVE)
    if not access.sees_all(user):
        queryset = queryset.filter(company_role_access__overlap=sorted(role_names(user)))
    return queryset.select_related("workflow").order_by("title")


@login_required
def new_ticket(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Pick a ticket type, then fill in the form generated from its submission schema."""
    kinds = list(_submittable(request.user))
    chosen = next((k for k in kinds if k.pk == pk), None) if pk is not None else None
    if pk is not None and chosen is None:
        raise Http404("No such ticket type.")
    form = SchemaForm(chosen.submission_schema(), request.POST or None) if chosen else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            ticket, _ = services.do_submit_ticket(chosen.pk, form.values(), user=request.user)
        except ProblemError as refusal:
            form.add_problems(refusal.problems, "/fields")
        else:
            messages.success(request, f"Ticket {ticket.pk} submitted.")
            return redirect("web-ticket", pk=ticket.pk)
    return render(request, "web/new_ticket.html", {"kinds": kinds, "chosen": chosen, "form": form})


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """The tickets I see, newest first, searched by the text of their fields."""
    queryset = access.visible_tickets(request.user).select_related(
        "ticket_definition", "workflow_instance", "created_by"
    )
    query = request.GET.get("q", "").strip()[:200]
    if query:
        queryset = queryset.filter(text_q("workflow_instance__", "", query))
    page = Paginator(queryset.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/tickets.html", {"page": page, "q": query})


@login_required
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """A ticket: its fields, its tasks, its files and the timeline of its workflow."""
    row = (
        access.visible_tickets(request.user)
        .select_related("ticket_definition", "workflow_instance", "created_by")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise Http404("No such ticket.")
    if request.method == "POST" and request.FILES.get("file"):
        try:
            services.do_upload_file(request.FILES["file"], user=request.user, ticket=row)
            messages.success(request, "File attached.")
        except ProblemError as refusal:
            messages.error(request, str(refusal.detail))
        return redirect("web-ticket", pk=pk)
    trace = history.trace(row.workflow_instance)
    tasks = [task_data(t) for t in _tasks(request.user).filter(workflow_instance__ticket=row)]
    files = access.visible_files(request.user).filter(ticket=row).order_by("filename", "-version")
    return render(
        request,
        "web/ticket.html",
        {"ticket": row, "trace": trace, "tasks": tasks, "files": files},
    )
