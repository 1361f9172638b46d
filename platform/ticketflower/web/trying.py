"""Trying a workflow step by step, with forms instead of a scenario file: submit a ticket
through its generated form, then complete any active task through its own, and read the
run so far. Nothing is stored: each click replays the scenario built so far through the
kernel's simulation (definitions.services.simulate_workflow).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kernel.forms import form_schema
from kernel.state import ACTIVE_STATUSES
from ticketflower.api.errors import ProblemError
from ticketflower.definitions import bundles, services
from ticketflower.definitions.models import WorkflowDefinition
from ticketflower.web.designs import require_reader
from ticketflower.web.schema_forms import SchemaForm


def _scenario(request: HttpRequest) -> dict[str, Any] | None:
    try:
        scenario = json.loads(request.POST.get("scenario", ""))
    except ValueError:
        return None
    return scenario if isinstance(scenario, dict) else None


@login_required
def try_workflow(request: HttpRequest, pk: int) -> HttpResponse:
    """Step through a run of the workflow: the ticket's form, then each active task's."""
    require_reader(request)
    row = get_object_or_404(WorkflowDefinition, pk=pk)
    kinds = bundles.parts(row, "tickets")
    schema = row.fields_schema or {}
    context: dict[str, Any] = {"workflow": row, "kinds": kinds}
    scenario = _scenario(request) if request.method == "POST" else None
    if scenario is None:
        chosen = next((k for k in kinds if str(k.pk) == request.GET.get("ticket")), None)
        if chosen is None and len(kinds) == 1:
            chosen = kinds[0]
        if chosen is None:
            return render(request, "web/try.html", context)
        form = SchemaForm(chosen.submission_schema(), request.POST or None)
        if request.method == "POST" and form.is_valid():
            scenario = {"ticket": {"title": chosen.title, "fields": form.values()}, "steps": []}
        else:
            return render(request, "web/try.html", {**context, "chosen": chosen, "form": form})
    elif "complete" in request.POST:
        task = next(
            (t for t in bundles.parts(row, "tasks") if t.title == request.POST["complete"]), None
        )
        if task is None:
            raise Http404("No such task.")
        form = SchemaForm(form_schema(schema, task.output_fields), request.POST)
        if form.is_valid():
            scenario["steps"] = [*scenario.get("steps", []), {"complete": task.title,
                                                              "output": form.values()}]  # fmt: skip
        else:
            context["failed"] = (task.title, form)
    try:
        trace = services.simulate_workflow(row, scenario)
    except ProblemError as refusal:
        context["refusal"] = refusal.problems
        return render(request, "web/try.html", context)
    return render(request, "web/try.html", {
        **context, "trace": trace, "scenario": json.dumps(scenario),
        "scenario_pretty": json.dumps(scenario, indent=2, ensure_ascii=False),
        "next": _next_forms(row, schema, trace, context.get("failed")),
    })  # fmt: skip


def _next_forms(
    row: WorkflowDefinition, schema: dict, trace: dict, failed: tuple[str, Any] | None
) -> list[tuple[str, str, SchemaForm]]:
    """Each task that is active at the end of the run so far, with its output form."""
    active = []
    for t in trace.get("tasks", []):
        if t["status"] in ACTIVE_STATUSES and t["task"] not in active:
            active.append(t["task"])
    tasks = {t.title: t for t in bundles.parts(row, "tasks")}
    out = []
    for title in active:
        task = tasks[title]
        if failed is not None and failed[0] == title:
            form = failed[1]
        else:
            form = SchemaForm(form_schema(schema, task.output_fields))
        out.append((title, task.task_type, form))
    return out
