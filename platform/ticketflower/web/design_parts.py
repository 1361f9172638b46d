"""Editing a draft piece by piece through forms: a new empty workflow, its settings and
fields, and each task, completion and ticket type (added, changed, removed).

Designers only (definitions/permissions.py); the definitions service layer does every
check and write, exactly as for the API's part endpoints.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kernel.wording import location
from ticketflower.api.errors import ProblemError
from ticketflower.definitions import services
from ticketflower.definitions.models import WorkflowDefinition
from ticketflower.web.designs import require_designer, section_model
from ticketflower.web.part_forms import (
    FORMS,
    FieldRows,
    WorkflowForm,
    field_rows_initial,
    fields_schema,
    part_values,
)

KINDS = {"tasks": "task", "completions": "completion", "tickets": "ticket type"}


def _draft(request: HttpRequest, pk: int) -> WorkflowDefinition | None:
    row = get_object_or_404(WorkflowDefinition, pk=pk)
    if row.status != "DRAFT":
        messages.error(request, "Only a draft can be edited: make a new version first.")
        return None
    return row


def _field_names(workflow: WorkflowDefinition) -> list[str]:
    return list(((workflow.fields_schema or {}).get("properties") or {}).keys())


def _roles() -> list[str]:
    return list(Group.objects.order_by("name").values_list("name", flat=True))


def _form(section: str, workflow: WorkflowDefinition, data: Any = None, initial: Any = None):
    build = FORMS[section]
    if section == "completions":
        return build(_field_names(workflow), data=data, initial=initial)
    return build(_field_names(workflow), _roles(), data=data, initial=initial)


@login_required
@require_POST
def new_workflow(request: HttpRequest) -> HttpResponse:
    """An empty draft with a title: its fields and parts are added next, by forms."""
    require_designer(request)
    title = request.POST.get("title", "").strip()
    try:
        row = services.do_create_workflow(
            created_by=request.user,
            title=title,
            fields_schema={"type": "object", "properties": {}},
        )
    except ProblemError as refusal:
        messages.error(request, "; ".join(p["message"] for p in refusal.problems))
        return redirect("web-workflows")
    messages.success(request, f"“{row.title}” is a draft: add its fields, then its tasks.")
    return redirect("web-workflow-settings", pk=row.pk)


@login_required
def workflow_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's title, description, loop guard and fields."""
    require_designer(request)
    row = _draft(request, pk)
    if row is None:
        return redirect("web-workflow", pk=pk)
    previous = row.fields_schema or {}
    data = request.POST if request.method == "POST" else None
    form = WorkflowForm(data, initial={"title": row.title, "description": row.description,
                                       "max_iterations": row.max_iterations})  # fmt: skip
    rows = FieldRows(data, initial=field_rows_initial(previous), prefix="field")
    problems: list[dict[str, Any]] = []
    if data is not None and form.is_valid() and rows.is_valid():
        changes = {**form.cleaned_data, "fields_schema": fields_schema(rows, previous)}
        changes["description"] = changes["description"] or None
        try:
            services.do_update_workflow(row, **changes)
        except ProblemError as refusal:
            form.add_problems([p for p in refusal.problems if p["pointer"].count("/") == 1])
            entry = {"workflow": changes}
            problems = [
                {**p, "where": location(entry, "/workflow" + p["pointer"])}
                for p in refusal.problems
                if p["pointer"].count("/") != 1
            ]
        else:
            messages.success(request, "Saved.")
            return redirect("web-workflow", pk=row.pk)
    return render(
        request,
        "web/workflow_settings.html",
        {"workflow": row, "form": form, "rows": rows, "problems": problems},
    )


@login_required
def part_edit(request: HttpRequest, section: str, pk: int) -> HttpResponse:
    """Change or remove one task, completion or ticket type of a draft."""
    require_designer(request)
    model = section_model(section)
    part = get_object_or_404(model.objects.select_related("workflow"), pk=pk)
    if _draft(request, part.workflow_id) is None:
        return redirect("web-part", section=section, pk=pk)
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.do_delete_part(part)
        except ProblemError as refusal:
            messages.error(request, str(refusal.detail))
            return redirect("web-part", section=section, pk=pk)
        messages.success(request, f"Removed “{part.title}”.")
        return redirect("web-workflow", pk=part.workflow_id)
    initial = {key: getattr(part, key) for key in _form(section, part.workflow).fields}
    form = _form(section, part.workflow, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_part(part, **part_values(form))
        except ProblemError as refusal:
            form.add_problems(refusal.problems)
        else:
            messages.success(request, f"Saved “{part.title}”.")
            return redirect("web-workflow", pk=part.workflow_id)
    return render(request, "web/part_form.html", {
        "form": form, "workflow": part.workflow, "part": part, "kind": KINDS[section]})  # fmt: skip


@login_required
def part_new(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Add a task, completion or ticket type to a draft."""
    require_designer(request)
    model = section_model(section)
    workflow = _draft(request, pk)
    if workflow is None:
        return redirect("web-workflow", pk=pk)
    initial = {"task_type": "FORM", "completion_status": "COMPLETED"}
    form = _form(section, workflow, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        try:
            part = services.do_create_part(
                model, workflow=workflow, created_by=request.user, **part_values(form)
            )
        except ProblemError as refusal:
            form.add_problems(refusal.problems)
        else:
            messages.success(request, f"Added “{part.title}”.")
            return redirect("web-workflow", pk=workflow.pk)
    return render(request, "web/part_form.html", {
        "form": form, "workflow": workflow, "part": None, "kind": KINDS[section]})  # fmt: skip
