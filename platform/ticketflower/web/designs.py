"""The pages where workflows are read and designed: definitions, upload, edit, simulate.

Thin over the definitions service layer, with the API's rules of who may do what
(definitions/permissions.py): designers (tenant_admin, workflow_creator) change, ticket
admins read and simulate, others get 403. A refusal is the service's ProblemError,
shown at the place in the bundle each problem points at (kernel/wording.location).
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kernel.graph import workflow_graph
from kernel.wording import condition_text, location
from ticketflower.accounts.roles import has_role
from ticketflower.api.errors import ProblemError
from ticketflower.definitions import bundles, services
from ticketflower.definitions.models import (
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
)
from ticketflower.definitions.permissions import DESIGNERS, reads_everything
from ticketflower.web.diagram import layout

RUNNING = ("IN_PROGRESS", "ON_HOLD", "NOT_STARTED")
SECTION_MODELS = {"tasks": TaskDefinition, "completions": CompletionDefinition,
                  "tickets": TicketDefinition}  # fmt: skip
MAX_UPLOAD = 2 * 1024 * 1024


def require_reader(request: HttpRequest) -> None:
    if not reads_everything(request.user):
        raise PermissionDenied(
            "Reading workflow definitions needs a designer's or ticket admin's role."
        )


def require_designer(request: HttpRequest) -> None:
    if not has_role(request.user, *DESIGNERS):
        raise PermissionDenied("Changing workflows needs the workflow_creator role.")


def section_model(section: str) -> type:
    """The model of a bundle section named in a URL (tasks, completions, tickets)."""
    model = SECTION_MODELS.get(section)
    if model is None:
        raise Http404("No such kind of part.")
    return model


def _workflow(pk: int) -> WorkflowDefinition:
    return get_object_or_404(WorkflowDefinition, pk=pk)


@login_required
def workflows(request: HttpRequest) -> HttpResponse:
    """Every workflow: status, version, lineage, ticket types, running tickets."""
    require_reader(request)
    rows = (
        WorkflowDefinition.objects.annotate(
            running=Count("instances", filter=Q(instances__status__in=RUNNING))
        )
        .prefetch_related("tickets")
        .order_by("title", "-version")
    )
    return render(
        request,
        "web/workflows.html",
        {"workflows": rows, "designer": has_role(request.user, *DESIGNERS)},
    )


def _parts(workflow: WorkflowDefinition, section: str) -> list[Any]:
    return bundles.parts(workflow, section)


@login_required
def workflow(request: HttpRequest, pk: int) -> HttpResponse:
    """A workflow: its diagram, fields, tasks, completions, ticket types, versions, warnings."""
    require_reader(request)
    row = _workflow(pk)
    bundle = bundles.to_bundle(row)
    report = services.report(bundle)
    graph = workflow_graph(bundle) if report["valid"] else None
    if graph is not None and not graph["nodes"]:
        graph = None  # an empty draft: nothing to draw yet
    schema = row.fields_schema or {}
    fields = [
        {"name": name, "type": _type_of(spec), "description": (spec or {}).get("description", ""),
         "required": name in (schema.get("required") or [])}
        for name, spec in (schema.get("properties") or {}).items()
    ]  # fmt: skip
    tasks = _parts(row, "tasks")
    for task in tasks:
        task.condition_words = condition_text(task.condition)
    completions = _parts(row, "completions")
    for completion in completions:
        completion.condition_words = condition_text(completion.condition)
    return render(
        request,
        "web/workflow.html",
        {
            "workflow": row, "fields": fields, "tasks": tasks, "completions": completions,
            "tickets": _parts(row, "tickets"),
            "versions": WorkflowDefinition.objects.filter(lineage=row.lineage).order_by("version"),
            "findings": _placed(bundle, report["findings"]),
            "problems": _placed(bundle, report["problems"]),
            "diagram": layout(graph) if graph else None,
            "designer": has_role(request.user, *DESIGNERS),
            "editable": row.status == "DRAFT" and has_role(request.user, *DESIGNERS),
        },
    )  # fmt: skip


def _type_of(spec: Any) -> str:
    if not isinstance(spec, dict):
        return "any"
    if "enum" in spec:
        return "one of " + ", ".join(json.dumps(v) for v in spec["enum"])
    kind = spec.get("type") or ("reference" if "$ref" in spec else "any")
    return " or ".join(kind) if isinstance(kind, list) else kind


def _placed(bundle: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems or findings with their pointer also said in words."""
    return [{**item, "where": location(bundle, item.get("pointer", ""))} for item in items]


@login_required
def part(request: HttpRequest, section: str, pk: int) -> HttpResponse:
    """A task, completion or ticket type: every attribute, its layouts' source, versions."""
    require_reader(request)
    model = section_model(section)
    row = get_object_or_404(model.objects.select_related("workflow"), pk=pk)
    entry = bundles.part_entry(row)
    versions = services.part_versions(row, model.objects.all(), every_version=True)
    return render(
        request,
        "web/part.html",
        {
            "part": row, "section": section, "kind": {"tasks": "Task", "completions": "Completion",
            "tickets": "Ticket type"}[section], "entry": entry,
            "condition": condition_text(entry.get("condition")) if "condition" in entry else None,
            "json_keys": [(k, json.dumps(entry[k], indent=2, ensure_ascii=False))
                          for k in ("condition", "input_transform", "output_transform", "ext_ref")
                          if entry.get(k) is not None],
            "layouts": [(k, entry[k]) for k in ("edit_layout", "display_layout") if entry.get(k)],
            "versions": versions,
        },
    )  # fmt: skip


def _bundle_text(request: HttpRequest) -> str:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_UPLOAD:
            raise ProblemError("The file is too large.", [("/file", "At most 2 MiB.")])
        return upload.read().decode("utf-8", errors="replace")
    return request.POST.get("bundle", "")


def _parse(text: str, name: str) -> tuple[Any, list[dict[str, Any]]]:
    """JSON from a text box, or a problem that says where it breaks."""
    try:
        return json.loads(text), []
    except ValueError as error:
        line, column = getattr(error, "lineno", 1), getattr(error, "colno", 1)
        message = f"Not JSON: {getattr(error, 'msg', error)} (line {line}, column {column})."
        return None, [{"pointer": "", "message": message, "where": name}]


STARTER = {
    "format": "ticketflower.bundle/v1",
    "workflow": {"title": "My workflow", "fields_schema": {"type": "object", "properties": {
        "request": {"type": "string", "description": "What is asked"},
        "approved": {"type": "boolean"}}}},
    "tasks": [{"title": "Approve", "task_type": "FORM", "input_fields": ["request"],
               "output_fields": ["approved"]}],
    "completions": [
        {"title": "Done", "completion_status": "COMPLETED", "fields": ["approved"],
         "condition": {"==": [{"var": "approved"}, True]}},
        {"title": "Refused", "completion_status": "CANCELLED", "fields": ["approved"],
         "condition": {"==": [{"var": "approved"}, False]}}],
    "tickets": [{"title": "Request", "fields": ["request"]}],
}  # fmt: skip


def _scenario_skeleton(bundle: Any) -> str:
    tickets = bundle.get("tickets") if isinstance(bundle, dict) else None
    title = tickets[0].get("title") if tickets and isinstance(tickets[0], dict) else "Request"
    return json.dumps({"ticket": {"title": title, "fields": {}}, "steps": []}, indent=2)


@login_required
def design(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Upload or paste a bundle (a new draft), or edit a draft's bundle: check it, try a
    scenario on it, save it. Nothing is stored until "Save"."""
    require_designer(request)
    row = _workflow(pk) if pk is not None else None
    if row is not None and row.status != "DRAFT":
        messages.error(request, f"Only a draft can be edited; this one is {row.status.lower()}. "
                       "Make a new version to change it.")  # fmt: skip
        return redirect("web-workflow", pk=row.pk)
    if request.method != "POST":
        initial = bundles.to_bundle(row) if row is not None else STARTER
        text = json.dumps(initial, indent=2, ensure_ascii=False)
        return render(
            request,
            "web/design.html",
            {"workflow": row, "bundle_text": text, "scenario_text": _scenario_skeleton(initial)},
        )
    context: dict[str, Any] = {"workflow": row}
    try:
        text = _bundle_text(request)
    except ProblemError as refusal:
        messages.error(request, str(refusal.detail))
        text = request.POST.get("bundle", "")
    bundle, problems = _parse(text, "bundle")
    context.update(bundle_text=text, scenario_text=request.POST.get("scenario")
                   or _scenario_skeleton(bundle))  # fmt: skip
    if not problems:
        report = services.report(bundle)
        problems = _placed(bundle, report["problems"])
        context["findings"] = _placed(bundle, report["findings"])
    context.update(problems=problems, checked=True)
    action = request.POST.get("action", "check")
    if action == "simulate" and not problems:
        scenario, scenario_problems = _parse(context["scenario_text"], "scenario")
        if scenario_problems:
            context["scenario_problems"] = scenario_problems
        else:
            try:
                context["trace"] = services.simulate_bundle(bundle, scenario)
            except ProblemError as refusal:
                context["scenario_problems"] = _in_scenario(scenario, refusal.problems, "/scenario")
    if action == "save" and not problems:
        try:
            if row is None:
                saved = services.do_import_bundle(bundle, created_by=request.user)
            else:
                saved = services.do_replace_bundle(row, bundle, created_by=request.user)
        except ProblemError as refusal:
            context["problems"] = _placed(bundle, refusal.problems)
        else:
            messages.success(
                request, f"Saved “{saved.title}” as a draft (version {saved.version})."
            )
            return redirect("web-workflow", pk=saved.pk)
    return render(request, "web/design.html", context, status=200)


def _in_scenario(scenario: Any, problems: list[dict], prefix: str) -> list[dict]:
    """A simulation's problems placed in the scenario (its pointers start with `prefix`)."""
    placed = []
    for p in problems:
        rest = p["pointer"].removeprefix(prefix)
        where = "scenario → " + location(scenario, rest) if rest else "the scenario"
        placed.append({**p, "where": where})
    return placed


@login_required
def simulate(request: HttpRequest, pk: int) -> HttpResponse:
    """Try a scenario on a stored workflow (any status); nothing is written."""
    require_reader(request)
    row = _workflow(pk)
    bundle = bundles.to_bundle(row)
    text = request.POST.get("scenario") or _scenario_skeleton(bundle)
    upload = request.FILES.get("file")
    if upload is not None and upload.size <= MAX_UPLOAD:
        text = upload.read().decode("utf-8", errors="replace")
    context: dict[str, Any] = {"workflow": row, "scenario_text": text}
    if request.method == "POST":
        scenario, problems = _parse(text, "scenario")
        if not problems:
            try:
                context["trace"] = services.simulate_workflow(row, scenario)
            except ProblemError as refusal:
                problems = _in_scenario(scenario, refusal.problems, "")
        context["scenario_problems"] = problems
    return render(request, "web/simulate.html", context)


@login_required
@require_POST
def workflow_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Activate, archive or make a new version (the buttons of a workflow's page)."""
    require_designer(request)
    row = _workflow(pk)
    try:
        if action == "activate":
            services.do_activate_workflow(row)
            messages.success(request, "Active: new tickets of its types use this version.")
        elif action == "archive":
            services.do_archive_workflow(row)
            messages.success(request, "Archived: no new tickets; running ones go on.")
        elif action == "new-version":
            copy = services.do_new_version(row, created_by=request.user)
            messages.success(request, f"Version {copy.version} is a draft: edit it, then activate.")
            return redirect("web-workflow", pk=copy.pk)
        else:
            raise Http404("No such action.")
    except ProblemError as refusal:
        bundle = bundles.to_bundle(row)
        details = "; ".join(
            f"{location(bundle, p['pointer'])}: {p['message']}" for p in refusal.problems
        )
        messages.error(request, f"{refusal.detail} {details}".strip())
    return redirect("web-workflow", pk=pk)


@login_required
def compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """What changed between two workflows' bundles (usually two versions of a lineage),
    line by line."""
    require_reader(request)
    old, new = _workflow(other), _workflow(pk)
    lines = difflib.unified_diff(
        _bundle_lines(old), _bundle_lines(new),
        f"{old.title} (version {old.version})", f"{new.title} (version {new.version})",
        lineterm="", n=3,
    )  # fmt: skip
    rows = [
        {"text": line, "kind": "add" if line.startswith("+") else
         "del" if line.startswith("-") else "hunk" if line.startswith("@@") else ""}
        for line in lines
    ]  # fmt: skip
    return render(request, "web/compare.html", {"old": old, "new": new, "rows": rows})


def _bundle_lines(workflow: WorkflowDefinition) -> list[str]:
    return json.dumps(bundles.to_bundle(workflow), indent=2, ensure_ascii=False).splitlines()


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The workflow's bundle as a file."""
    require_reader(request)
    row = _workflow(pk)
    body = json.dumps(bundles.to_bundle(row), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    name = "".join(c if c.isalnum() else "-" for c in row.title.lower()).strip("-") or "workflow"
    response["Content-Disposition"] = f'attachment; filename="{name}-v{row.version}.json"'
    return response
