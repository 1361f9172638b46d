"""The pages: thin views over the same services and visibility rules as the API.

No business rule here: who may see, claim, complete or submit is `runs/access.py` and
`runs/services.py`; a refusal comes back as the API's ProblemError and is shown at the
field it points at.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.timesince import timesince, timeuntil
from django.views.decorators.http import require_POST

from kernel.graph import workflow_graph
from ticketflower.api.errors import ProblemError
from ticketflower.audit.trail import ticket_activity
from ticketflower.definitions import bundles
from ticketflower.definitions.models import TicketDefinition
from ticketflower.definitions.permissions import reads_everything, submittable
from ticketflower.runs import access, history, services
from ticketflower.runs.filters import overdue_q
from ticketflower.runs.models import ACTIVE_TASK_STATUSES, TaskInstance
from ticketflower.runs.models import WorkflowStatus as WorkflowRunStatus
from ticketflower.runs.serializers import described_tasks, task_data
from ticketflower.web import comments
from ticketflower.web.diagram import layout, run_states
from ticketflower.web.filters import TicketSearch
from ticketflower.web.schema_forms import SchemaForm

PAGE_SIZE = 25


def _tasks(user: Any):
    """The user's visible tasks, described as the API describes them (one query)."""
    return described_tasks(access.visible_tasks(user)).select_related("workflow_instance__ticket")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("web-inbox")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Tasks assigned to me, and tasks I may claim: oldest first, or by deadline; only the
    overdue ones on request. A ticket admin also sees every overdue task."""
    user = request.user
    by_deadline = request.GET.get("sort") == "deadline"
    overdue_only = request.GET.get("overdue") == "1"
    order = [F("deadline_at").asc(nulls_last=True), "created_at"] if by_deadline else ["created_at"]
    active = _tasks(user).filter(status__in=ACTIVE_TASK_STATUSES).order_by(*order)
    if overdue_only:
        active = active.filter(overdue_q())
    claimable = active.filter(access.claimable_q(user))
    mine = [_card(t) for t in active.filter(assigned_to=user.pk)[:100]]
    page = Paginator(claimable, PAGE_SIZE).get_page(request.GET.get("page"))
    late = []
    if access.sees_all(user):
        late = [_card(t) for t in _tasks(user).filter(overdue_q()).order_by("deadline_at")[:50]]
    return render(
        request,
        "web/inbox.html",
        {
            "mine": mine,
            "claimable": [_card(t) for t in page],
            "page": page,
            "keep": _without_page(request),
            "by_deadline": by_deadline,
            "overdue_only": overdue_only,
            "late": late,
        },
    )


def _card(task: TaskInstance) -> dict[str, Any]:
    """A task as the inbox shows it: the API's representation, how long it waits and how
    its deadline stands."""
    card = {**task_data(task), "age": timesince(task.created_at)}
    if task.deadline_at is not None and task.is_active:
        if card["overdue"]:
            card["deadline_text"] = f"overdue by {timesince(task.deadline_at)}"
        else:
            card["deadline_text"] = f"due in {timeuntil(task.deadline_at)}"
    return card


def _task(request: HttpRequest, pk: int) -> TaskInstance:
    task = _tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("No such task.")
    return task


@login_required
def task(request: HttpRequest, pk: int) -> HttpResponse:
    """One task: what to do, from what, and its form when it is mine to complete."""
    row = _task(request, pk)
    data = _card(row)
    ticket = row.workflow_instance.ticket
    mine = row.assigned_to_id == request.user.pk and row.is_active
    form = SchemaForm(data["output_schema"], request.POST or None) if mine else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.do_complete_task_as_person(row, form.values(), user=request.user)
        except ProblemError as refusal:
            form.add_problems(refusal.problems, "/output")
            if not refusal.problems:
                form.add_error(None, str(refusal.detail))
        else:
            messages.success(request, f"“{data['title']}” is done.")
            return redirect("web-inbox")
    claimable = access.may_claim(request.user, row)
    admin = access.sees_all(request.user)
    people = (
        User.objects.filter(is_active=True).order_by("username")[:200]
        if admin and row.is_active and row.task_type == "FORM"
        else []
    )
    return render(
        request,
        "web/task.html",
        {
            "task": data, "ticket": ticket, "form": form, "mine": mine,
            "claimable": claimable, "people": people, "task_page": row.pk,
            **comments.for_page(request.user, ticket.pk, row.pk),
        },
    )  # fmt: skip


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
        elif action == "assign":
            row = services.do_assign_task_to(row, request.POST.get("user"), by=request.user)
            messages.success(request, f"Given to {row.assigned_to.username}.")
        else:
            raise Http404("No such action.")
    except ProblemError as refusal:
        details = "; ".join(
            p["message"] for p in refusal.problems if p["message"] != refusal.detail
        )
        messages.error(request, f"{refusal.detail} {details}".strip())
    return redirect("web-task", pk=pk)


def _submittable(user: Any):
    return submittable(user).select_related("workflow").order_by("title")


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
    """The tickets I see, newest first, filtered as the API filters them (TicketSearch)."""
    visible = access.visible_tickets(request.user)
    # A select left at "any" sends an empty value: no filter, as for a field left out.
    query = request.GET.copy()
    for key in list(query):
        query.setlist(key, [v for v in query.getlist(key) if v])
    search = TicketSearch(
        query,
        queryset=visible.select_related("ticket_definition", "workflow_instance", "created_by"),
    )
    page = Paginator(search.qs.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = TicketDefinition.objects.filter(pk__in=visible.values("ticket_definition_id")).order_by(
        "title"
    )
    return render(
        request,
        "web/tickets.html",
        {
            "page": page, "search": search, "kinds": kinds,
            "chosen": {
                k: request.GET.get(k, "") for k in ("q", "status", "ticket_definition", "overdue")
            },
            "statuses": WorkflowRunStatus.values, "keep": _without_page(request),
        },
    )  # fmt: skip


def _without_page(request: HttpRequest) -> str:
    """The query string of the current list minus its page (for the page links)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """A ticket: its fields, its tasks, its files and the timeline of its workflow."""
    row = (
        access.visible_tickets(request.user)
        .select_related("ticket_definition", "workflow_instance__workflow", "created_by")
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
    correction = _correction_form(request, row, trace)
    if correction is not None and request.method == "POST" and "correct" in request.POST:
        if correction.is_valid():
            changed = {
                k: v
                for k, v in correction.values().items()
                if trace["iterations"] and trace["iterations"][-1]["data"].get(k) != v
            }
            try:
                services.do_write_data(row.workflow_instance_id, changed, user=request.user)
            except ProblemError as refusal:
                correction.add_problems(refusal.problems, "/data")
            else:
                messages.success(request, "Data corrected: " + (", ".join(changed) or "nothing"))
                return redirect("web-ticket", pk=pk)
    tasks = [
        _card(t) for t in _tasks(request.user).filter(workflow_instance__ticket=row).order_by("seq")
    ]
    files = access.visible_files(request.user).filter(ticket=row).order_by("filename", "-version")
    return render(
        request,
        "web/ticket.html",
        {
            "ticket": row, "trace": trace, "tasks": tasks, "files": files,
            "activity": ticket_activity(row.pk),
            **comments.for_page(request.user, row.pk),
            "correction": correction, "diagram": _run_picture(request, row, trace, tasks),
        },
    )  # fmt: skip


def _run_picture(request: HttpRequest, row: Any, trace: dict, tasks: list[dict]) -> dict | None:
    """The workflow's diagram with this run's state on each box, for those who may read
    the definition (the picture shows all of it, conditions included)."""
    if not reads_everything(request.user):
        return None
    graph = workflow_graph(bundles.to_bundle(row.workflow_instance.workflow))
    states = run_states(
        graph,
        row.ticket_definition.title,
        [(t["title"], t["status"]) for t in tasks],
        trace.get("completion"),
    )
    return layout(graph, states)


def _correction_form(request: HttpRequest, row: Any, trace: dict) -> SchemaForm | None:
    """A ticket admin's correction of a running or held workflow: every field of the
    workspace, filled with its newest value; only the changed ones are written."""
    if not access.sees_all(request.user) or trace["status"] not in ("IN_PROGRESS", "ON_HOLD"):
        return None
    schema = dict(row.workflow_instance.workflow.fields_schema or {})
    schema.pop("required", None)  # a correction writes what it changes, nothing more
    newest = trace["iterations"][-1]["data"] if trace["iterations"] else {}
    data = request.POST if request.method == "POST" and "correct" in request.POST else None
    return SchemaForm(schema, data, initial=newest, prefix="data")


@login_required
def errors(request: HttpRequest) -> HttpResponse:
    """The ticket-errors queue: what went wrong, newest first, open ones unless asked."""
    show = request.GET.get("show", "open")
    queryset = access.visible_errors(request.user).select_related(
        "ticket__ticket_definition",
        "ticket__workflow_instance",
        "task_instance__task_definition",
        "task_definition",
        "completion",
        "reviewed_by",
        "resolved_by",
    )
    if show != "all":
        queryset = queryset.exclude(error_status="RESOLVED")
    page = Paginator(queryset.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/errors.html",
        {
            "page": page,
            "show": show,
            "admin": access.sees_all(request.user),
            "keep": _without_page(request),
        },
    )


@login_required
@require_POST
def error_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A ticket admin's repair from the queue: review, resolve, retry the task or cancel
    the run (data corrections are on the ticket's page). The services refuse whoever may
    not (403 as in the API)."""
    error = access.visible_errors(request.user).filter(pk=pk).select_related("ticket").first()
    if error is None:
        raise Http404("No such error.")
    notes = request.POST.get("notes", "").strip()[:10_000]
    try:
        if action == "review":
            services.do_review_error(error, user=request.user, notes=notes or None)
            messages.success(request, "Marked reviewed.")
        elif action == "resolve":
            if not notes:
                raise ProblemError("Say how it was resolved.", [("/notes", "Notes needed.")])
            services.do_resolve_error(error, user=request.user, notes=notes)
            messages.success(request, "Resolved.")
        elif action == "retry" and error.task_instance_id:
            task = _task(request, error.task_instance_id)
            services.do_retry_task(task, user=request.user)
            messages.success(request, "The task runs again.")
        elif action == "cancel":
            services.do_cancel_workflow(error.ticket.workflow_instance_id, user=request.user)
            messages.success(request, "The run is cancelled.")
        else:
            raise Http404("No such action.")
    except ProblemError as refusal:
        details = "; ".join(f"{p['pointer']}: {p['message']}" for p in refusal.problems)
        messages.error(request, f"{refusal.detail} {details}".strip())
    return redirect("web-errors")
