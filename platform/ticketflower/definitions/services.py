"""Writes to workflow definitions (Zulip-style `do_*` actions) and the kernel calls around them.

Every write is atomic and locks its workflow row first, so an edit and an activation of
the same workflow are serialized and an edit can never slip into an ACTIVE definition.
The rules of a bundle are the kernel's (kernel/validation.py), reached through
plugins.bundles so that task-type plugins add their own checks; this module adds the
lifecycle (docs/decision-definitions-lifecycle.md), the storage limits (limits.py) and
the mapping of kernel problems onto request pointers.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from rest_framework.exceptions import NotFound

from kernel.analysis import analyze
from kernel.problems import InvalidBundle
from kernel.simulate import simulate
from kernel.validation import FORMAT
from plugins.bundles import compile_definition, validate_bundle
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.audit.trail import record
from ticketflower.definitions import bundles, limits
from ticketflower.definitions.models import (
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
    WorkflowStatus,
)
from ticketflower.definitions.roles import unknown_role_findings

Part = TaskDefinition | CompletionDefinition | TicketDefinition
Problems = list[tuple[str, str]]


# ---------------------------------------------------------------- checks


def bundle_problems(bundle: Any) -> Problems:
    """Every problem of a bundle: the kernel's rules, then the storage limits."""
    found = [(p.pointer, p.message) for p in validate_bundle(bundle)]
    seen = set(found)
    return found + [p for p in limits.bundle_storage_problems(bundle) if p not in seen]


def _prefixed(problems: Problems, prefix: str) -> Problems:
    return [(prefix + where, message) for where, message in problems]


def _within(problems: list, prefix: str) -> Problems:
    """Kernel problems under `prefix`, re-rooted there (so they point into a request body)."""
    return [
        (p.pointer[len(prefix) :], p.message)
        for p in problems
        if p.pointer == prefix or p.pointer.startswith(prefix + "/")
    ]


def _workflow_problems(values: dict[str, Any]) -> Problems:
    """Problems of a workflow's own fields, pointing into a request body for the workflow."""
    bundle = {"format": FORMAT, "workflow": values}
    found = _within(validate_bundle(bundle), "/workflow")
    if values.get("fields_schema") is not None:
        found += limits.fields_schema_problems(values["fields_schema"], "/fields_schema")
    return found


def _part_problems(workflow: WorkflowDefinition, section: str, entry: dict[str, Any]) -> Problems:
    """Problems of one task, completion or ticket against its workflow as it stands.

    Only the part's own problems count: what an edit breaks elsewhere (a task naming a
    field that a schema edit removed, say) is reported by validation and at activation,
    so a DRAFT can be edited one piece at a time (docs/decision-definitions-lifecycle.md).
    """
    bundle = {"format": FORMAT, "workflow": bundles.workflow_entry(workflow), section: [entry]}
    return _within(validate_bundle(bundle), f"/{section}/0")


def _refuse(detail: str, problems: Problems) -> None:
    if problems:
        raise ProblemError(detail, problems)


def _lock(workflow: WorkflowDefinition) -> WorkflowDefinition:
    """The workflow's row, locked for the rest of the transaction, with its current status."""
    row = WorkflowDefinition.objects.select_for_update().filter(pk=workflow.pk).first()
    if row is None:  # deleted since the view found it
        raise NotFound()
    return row


def _lock_lineage(workflow: WorkflowDefinition) -> WorkflowDefinition:
    """Lock every version of the workflow's lineage; returns the workflow's fresh row.

    Activation and new-version read and change the lineage as a whole (one ACTIVE
    version, the next version number), so concurrent calls on sibling versions must queue.
    Later statements of the transaction then see what the previous holder committed.
    """
    rows = WorkflowDefinition.objects.select_for_update().filter(lineage=workflow.lineage)
    found = {row.pk: row for row in rows}.get(workflow.pk)
    if found is None:  # deleted since the view found it
        raise NotFound()
    return found


def _ensure_draft(workflow: WorkflowDefinition, what: str = "it") -> None:
    if not workflow.is_editable:
        raise Conflict(
            f"Workflow {workflow.pk} is {workflow.status}: ACTIVE and ARCHIVED definitions are "
            f"immutable, so {what} cannot change. Create a new version to edit it.",
            [("", f"The workflow is {workflow.status}, not DRAFT.")],
        )


# ---------------------------------------------------------------- workflows


@transaction.atomic
def do_create_workflow(*, created_by: User | None, **values: Any) -> WorkflowDefinition:
    """Create an empty DRAFT workflow from its own fields."""
    entry = {key: values.get(key) for key in bundles.WORKFLOW_FIELDS}
    _refuse("The workflow is invalid.", _workflow_problems(entry))
    workflow = WorkflowDefinition.objects.create(created_by=created_by, **values)
    record("workflow.created", workflow, actor=created_by)
    return workflow


@transaction.atomic
def do_update_workflow(workflow: WorkflowDefinition, **changes: Any) -> WorkflowDefinition:
    """Change a DRAFT workflow's own fields (its parts are edited through their endpoints)."""
    workflow = _lock(workflow)
    _ensure_draft(workflow)
    entry = {**bundles.workflow_entry(workflow), **changes}
    _refuse("The workflow is invalid.", _workflow_problems(entry))
    for key, value in changes.items():
        setattr(workflow, key, value)
    workflow.save()
    record("workflow.changed", workflow, details={"fields": sorted(changes)})
    return workflow


@transaction.atomic
def do_delete_workflow(workflow: WorkflowDefinition) -> None:
    """Delete a DRAFT workflow and its parts; ACTIVE and ARCHIVED ones are kept (409)."""
    workflow = _lock(workflow)
    _ensure_draft(workflow, "it")
    record("workflow.deleted", workflow)
    workflow.delete()


@transaction.atomic
def do_import_bundle(bundle: Any, *, created_by: User | None) -> WorkflowDefinition:
    """A new DRAFT workflow (a new lineage, version 1) from a bundle: all or nothing."""
    _refuse("The bundle is invalid.", bundle_problems(bundle))
    workflow = WorkflowDefinition.objects.create(
        created_by=created_by, **bundles.workflow_values(bundle)
    )
    bundles.create_parts(workflow, bundle, created_by)
    record("workflow.imported", workflow, actor=created_by)
    return workflow


@transaction.atomic
def do_replace_bundle(
    workflow: WorkflowDefinition, bundle: Any, *, created_by: User | None
) -> WorkflowDefinition:
    """Replace a DRAFT's whole content (its fields and every part) by a bundle's."""
    workflow = _lock(workflow)
    _ensure_draft(workflow)
    _refuse("The bundle is invalid.", bundle_problems(bundle))
    for key, value in bundles.workflow_values(bundle).items():
        setattr(workflow, key, value)
    workflow.save()
    for section in bundles.SECTIONS:
        getattr(workflow, section).all().delete()
    bundles.create_parts(workflow, bundle, created_by)
    record("workflow.replaced", workflow, actor=created_by)
    return workflow


@transaction.atomic
def do_activate_workflow(workflow: WorkflowDefinition) -> WorkflowDefinition:
    """DRAFT → ACTIVE once the kernel finds no problem; other ACTIVE versions get ARCHIVED.

    Refused (409, type `invalid_definition`) with every problem, each pointing into the
    workflow's bundle (GET .../bundle/).
    """
    workflow = _lock_lineage(workflow)
    if workflow.status != WorkflowStatus.DRAFT:
        raise Conflict(
            f"Only a DRAFT can be activated; workflow {workflow.pk} is {workflow.status}.",
            [("", f"The workflow is {workflow.status}, not DRAFT.")],
        )
    problems = bundle_problems(bundles.to_bundle(workflow))
    if problems:
        raise ProblemError(
            "The workflow cannot be activated: its definition has problems (pointers into "
            "its bundle).",
            problems,
            type="invalid_definition",
            status_code=409,
        )
    archived = list(
        WorkflowDefinition.objects.filter(
            lineage=workflow.lineage, status=WorkflowStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    WorkflowDefinition.objects.filter(pk__in=archived).update(status=WorkflowStatus.ARCHIVED)
    workflow.status = WorkflowStatus.ACTIVE
    workflow.save(update_fields=["status", "updated_at"])
    record("workflow.activated", workflow, details={"archived": archived})
    return workflow


@transaction.atomic
def do_archive_workflow(workflow: WorkflowDefinition) -> WorkflowDefinition:
    """ACTIVE (or an abandoned DRAFT) → ARCHIVED: no new tickets; running ones go on."""
    workflow = _lock(workflow)
    if workflow.status == WorkflowStatus.ARCHIVED:
        raise Conflict(
            f"Workflow {workflow.pk} is already ARCHIVED.", [("", "The workflow is ARCHIVED.")]
        )
    workflow.status = WorkflowStatus.ARCHIVED
    workflow.save(update_fields=["status", "updated_at"])
    record("workflow.archived", workflow)
    return workflow


@transaction.atomic
def do_new_version(workflow: WorkflowDefinition, *, created_by: User | None) -> WorkflowDefinition:
    """A DRAFT copy of any workflow in its lineage, numbered after the lineage's latest."""
    source = _lock_lineage(workflow)
    latest = WorkflowDefinition.objects.filter(lineage=source.lineage).aggregate(v=Max("version"))
    copy = WorkflowDefinition.objects.create(
        created_by=created_by,
        lineage=source.lineage,
        version=(latest["v"] or source.version) + 1,
        previous_version=source,
        **bundles.workflow_values({"workflow": bundles.workflow_entry(source)}),
    )
    bundles.create_parts(copy, bundles.to_bundle(source), created_by)
    record("workflow.new_version", copy, actor=created_by, details={"from": source.pk})
    return copy


# ---------------------------------------------------------------- parts


def _section(model: type) -> str:
    return bundles.SECTION_OF_MODEL[model]


def _title_problems(model: type, workflow: WorkflowDefinition, title: Any, pk: Any) -> Problems:
    taken = model.objects.filter(workflow=workflow, title=title).exclude(pk=pk).exists()
    what = model._meta.verbose_name
    return [("/title", f"This workflow already has a {what} titled {title!r}.")] if taken else []


def _place(part: Part, position: int) -> None:
    """Move a saved part to `position` in its workflow's order, shifting the others.

    Positions are renumbered 0..n-1 so that they always read as the definition order.
    """
    model = type(part)
    order = list(
        model.objects.filter(workflow_id=part.workflow_id)
        .exclude(pk=part.pk)
        .order_by("position", "id")
    )
    order.insert(min(position, len(order)), part)
    changed = []
    for index, item in enumerate(order):
        if item.position != index:
            item.position = index
            changed.append(item)
    model.objects.bulk_update(changed, ["position"])


def _save_part(part: Part, problems: Problems) -> Part:
    _refuse(f"The {part._meta.verbose_name} is invalid.", problems)
    try:
        with transaction.atomic():
            part.save()
    except IntegrityError:
        # Two writers took the same title at once: the constraint is the last word.
        raise ProblemError(
            "Title taken.", [("/title", "This workflow already has one with this title.")]
        ) from None
    return part


@transaction.atomic
def do_create_part(
    model: type, *, workflow: WorkflowDefinition, created_by: User | None, **values: Any
) -> Part:
    """Add a task, completion or ticket definition to a DRAFT workflow."""
    workflow = _lock(workflow)
    _ensure_draft(workflow, f"its {model._meta.verbose_name_plural}")
    section = _section(model)
    position = values.pop("position", None)
    entry = bundles.part_entry_from_values(section, values)
    problems = _part_problems(workflow, section, entry)
    problems += _title_problems(model, workflow, values.get("title"), None)
    count = model.objects.filter(workflow=workflow).count() + 1
    problems += [("", message) for _, message in limits.count_problem(section, count)]
    part = model(workflow=workflow, created_by=created_by, **bundles.part_values(section, entry))
    part.position = limits.MAX_INT  # last until placed
    _save_part(part, problems)
    _place(part, model.objects.filter(workflow=workflow).count() if position is None else position)
    part.refresh_from_db()
    _record_part("created", part, workflow, created_by)
    return part


@transaction.atomic
def do_update_part(part: Part, **changes: Any) -> Part:
    """Change a part of a DRAFT workflow; it cannot move to another workflow."""
    workflow = _lock(part.workflow)
    _ensure_draft(workflow, f"its {part._meta.verbose_name_plural}")
    target = changes.pop("workflow", workflow)
    if target.pk != workflow.pk:
        raise ProblemError(
            "A definition cannot move to another workflow.",
            [("/workflow", "Create it in the other workflow instead.")],
        )
    position = changes.pop("position", None)
    section = _section(type(part))
    entry = {**bundles.part_entry(part), **changes}
    problems = _part_problems(workflow, section, entry)
    problems += _title_problems(type(part), workflow, entry["title"], part.pk)
    for key, value in bundles.part_values(section, entry).items():
        setattr(part, key, value)
    part.workflow = workflow
    _save_part(part, problems)
    if position is not None:
        _place(part, position)
        part.refresh_from_db()
    _record_part("changed", part, workflow, None, sorted(changes))
    return part


@transaction.atomic
def do_delete_part(part: Part) -> None:
    """Remove a part from a DRAFT workflow; the others keep their order."""
    workflow = _lock(part.workflow)
    _ensure_draft(workflow, f"its {part._meta.verbose_name_plural}")
    model = type(part)
    _record_part("deleted", part, workflow, None)
    part.delete()
    rest = list(model.objects.filter(workflow=workflow).order_by("position", "id"))
    for index, item in enumerate(rest):
        item.position = index
    model.objects.bulk_update(rest, ["position"])


def _record_part(
    verb: str, part: Part, workflow: WorkflowDefinition, actor: Any, fields: list | None = None
) -> None:
    """An audit entry for a change to a part of a DRAFT (named by its workflow)."""
    details: dict[str, Any] = {"workflow": workflow.pk, "title": part.title}
    if fields is not None:
        details["fields"] = fields
    record(f"{part._meta.model_name}.{verb}", part, actor=actor, details=details)


# ---------------------------------------------------------------- kernel reads


def report(bundle: Any) -> dict[str, Any]:
    """Validation and, when valid, analysis of a bundle: {valid, problems, findings}; the
    findings include roles the company does not have."""
    problems = bundle_problems(bundle)
    findings: list[dict[str, Any]] = []
    if not problems:
        definition = compile_definition(bundle)
        findings = [f.to_dict() for f in analyze(definition)]
        findings += unknown_role_findings(bundle)
    return {
        "valid": not problems,
        "problems": [{"pointer": p, "message": m} for p, m in problems],
        "findings": findings,
    }


def workflow_report(workflow: WorkflowDefinition) -> dict[str, Any]:
    """The report of a stored workflow; pointers point into its bundle."""
    return report(bundles.to_bundle(workflow))


def _simulate(bundle: Any, scenario: Any, bundle_at: str, scenario_at: str, status: int) -> dict:
    problems = _prefixed(bundle_problems(bundle), bundle_at)
    problems += limits.scenario_problems(scenario, scenario_at)
    if problems:
        raise ProblemError(
            "The simulation cannot run.",
            problems,
            type="invalid_definition" if status == 409 else "validation_error",
            status_code=status,
        )
    try:
        definition = compile_definition(bundle)
    except InvalidBundle as exc:  # validated above; kept so a kernel drift is never a 500
        found = [(p.pointer, p.message) for p in exc.problems]
        raise ProblemError("The bundle is invalid.", _prefixed(found, bundle_at)) from None
    return simulate(definition, scenario)


def simulate_workflow(workflow: WorkflowDefinition, scenario: Any) -> dict[str, Any]:
    """The trace of a scenario on a stored workflow (any status); nothing is written.

    A scenario over the limits is a 400 (pointers into the request); a stored workflow
    that is invalid is a 409 like activation (pointers into its bundle).
    """
    _refuse("The scenario is too large.", limits.scenario_problems(scenario))
    return _simulate(bundles.to_bundle(workflow), scenario, "", "", 409)


def simulate_bundle(bundle: Any, scenario: Any) -> dict[str, Any]:
    """The trace of a scenario on a bundle that is not stored."""
    return _simulate(bundle, scenario, "/bundle", "/scenario", 400)


# ---------------------------------------------------------------- a part's history


def part_versions(
    part: Any, parts: Any, *, every_version: bool
) -> list[tuple[WorkflowDefinition, Any | None]]:
    """The history of a task, completion or ticket definition through its workflow's
    versions, oldest first: each version of the lineage with the part of the same title in
    it, or None where that version has none (docs/decision-definitions-part-versions.md).

    `parts` is the caller's visible queryset of the part's model. `every_version`: the
    caller reads every definition, so versions without the part are listed too; others
    see only the versions where they see the part.
    """
    lineage = part.workflow.lineage
    same = {p.workflow_id: p for p in parts.filter(workflow__lineage=lineage, title=part.title)}
    versions = WorkflowDefinition.objects.filter(lineage=lineage).order_by("version")
    return [(w, same.get(w.pk)) for w in versions if every_version or w.pk in same]
