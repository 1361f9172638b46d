"""The compiled-definition cache: a workflow version compiled for the kernel once, per
company (ACTIVE and ARCHIVED definitions are immutable; docs/decision-runs-engine.md)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connection

from kernel.bundle import Definition
from kernel.problems import InvalidBundle
from plugins.bundles import compile_definition
from ticketflower.api.errors import ProblemError
from ticketflower.definitions import bundles
from ticketflower.definitions.models import TaskType, WorkflowDefinition

CACHE_SIZE = 512


@dataclass(frozen=True)
class Compiled:
    """A workflow version compiled for the kernel, with the ids of its parts by title."""

    workflow_id: int
    version: int
    definition: Definition
    task_ids: dict[str, int]
    completion_ids: dict[str, int]
    # What the announcements of a step need (runs/announcements.py), without a query:
    # the FORM tasks' titles, who works on a task (its roles, by title) and who sees a
    # ticket of a type (by the ticket definition's id).
    form_tasks: frozenset[str] = frozenset()
    task_roles: dict[str, list[str]] = field(default_factory=dict)
    ticket_access: dict[int, list[str]] = field(default_factory=dict)
    # Seconds from a task's start to its deadline, by title (tasks that have one).
    task_deadlines: dict[str, int] = field(default_factory=dict)


_cache: OrderedDict[tuple[int, int], Compiled] = OrderedDict()
_cache_lock = threading.Lock()


def compiled(workflow: WorkflowDefinition | int) -> Compiled:
    """The compiled definition of a workflow version (cached; compiled on first use).

    Keyed by company id and workflow id: ids repeat across companies, never within one,
    and a workflow that has instances is ACTIVE or ARCHIVED, hence immutable. The company
    id, not the schema name: a deleted company's schema name can come back with other
    workflows under the same ids. Not cached when the connection's tenant is not a
    company row (a bare `schema_context`: scripts, tests).
    """
    workflow_id = workflow if isinstance(workflow, int) else workflow.pk
    company_id = getattr(connection.tenant, "pk", None)
    key = (company_id, workflow_id)
    if company_id is not None:
        with _cache_lock:
            found = _cache.get(key)
            if found is not None:
                _cache.move_to_end(key)
                return found
    # Always the whole row: a caller's instance may have deferred columns.
    workflow = WorkflowDefinition.objects.get(pk=workflow_id)
    tasks = bundles.parts(workflow, "tasks")
    completions = bundles.parts(workflow, "completions")
    tickets = bundles.parts(workflow, "tickets")
    bundle = {
        "format": "ticketflower.bundle/v1",
        "workflow": bundles.workflow_entry(workflow),
        "tasks": [bundles.part_entry(t) for t in tasks],
        "completions": [bundles.part_entry(c) for c in completions],
        "tickets": [bundles.part_entry(t) for t in tickets],
    }
    try:
        definition = compile_definition(bundle)
    except InvalidBundle as invalid:
        # A stored workflow that no longer compiles (a plugin of one of its task types
        # was disabled, say): the run cannot go on until it is back, but it is no 500.
        raise ProblemError(
            f"Workflow {workflow_id} cannot run: its definition has problems (pointers "
            "into its bundle).",
            [(p.pointer, p.message) for p in invalid.problems],
            type="invalid_definition",
            status_code=409,
        ) from None
    result = Compiled(
        workflow_id=workflow_id,
        version=workflow.version,
        definition=definition,
        task_ids={t.title: t.pk for t in tasks},
        completion_ids={c.title: c.pk for c in completions},
        form_tasks=frozenset(t.title for t in tasks if t.task_type == TaskType.FORM),
        task_roles={t.title: list(t.roles or []) for t in tasks},
        ticket_access={t.pk: list(t.company_role_access or []) for t in tickets},
        task_deadlines={t.title: t.deadline_seconds for t in tasks if t.deadline_seconds},
    )
    if company_id is not None:
        with _cache_lock:
            _cache[key] = result
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget every compiled definition (tests)."""
    with _cache_lock:
        _cache.clear()
