"""The trace of a live workflow instance (docs/bundle-format.md, "Trace"), built by the kernel's own
trace builder (`kernel.simulate.Trace`) from the stored rows, so the API and
`ticketflower simulate` cannot drift apart. The API adds ids, users and timestamps.

Three queries whatever the length of the history: iterations, task instances, errors.
"""

from __future__ import annotations

from typing import Any

from kernel import effects
from kernel.explain import explain_task
from kernel.simulate import Trace
from ticketflower.api.errors import ProblemError
from ticketflower.runs.models import TaskInstance, TicketError, WorkflowData, WorkflowInstance
from ticketflower.runs.serializers import completion_title


def iteration(instance: WorkflowInstance, number: int | None, pointer: str) -> WorkflowData:
    """One iteration of an instance (the newest when `number` is None); 400 at `pointer`
    naming the newest when there is no such iteration."""
    number = instance.iteration if number is None else number
    found = (
        WorkflowData.objects.filter(workflow_instance=instance, iteration=number)
        .select_related("created_by")
        .first()
    )
    if found is None:
        message = f"No iteration {number}: the newest is {instance.iteration}."
        raise ProblemError("No such iteration.", [(pointer, message)])
    return found


def diff(instance: WorkflowInstance, start: int | None, to: int | None) -> dict[str, Any]:
    """What changed between two iterations (default: the newest and the one before):
    fields added, removed and changed, and every field written in between."""
    to = instance.iteration if to is None else to
    start = max(to - 1, 0) if start is None else start
    rows = {
        row.iteration: row
        for row in WorkflowData.objects.filter(
            workflow_instance=instance, iteration__in=[start, to]
        )
    }
    if start not in rows:
        iteration(instance, start, "/from")
    if to not in rows:
        iteration(instance, to, "/to")
    written = WorkflowData.objects.filter(
        workflow_instance=instance, iteration__gt=min(start, to), iteration__lte=max(start, to)
    ).values_list("written", flat=True)
    before, after = rows[start].data, rows[to].data
    return {
        "from_iteration": start,
        "to_iteration": to,
        "added": {k: v for k, v in after.items() if k not in before},
        "removed": {k: v for k, v in before.items() if k not in after},
        "changed": {
            k: {"before": before[k], "after": v}
            for k, v in after.items()
            if k in before and before[k] != v
        },
        "written": sorted({name for names in written for name in names}),
    }


def trace(instance: WorkflowInstance) -> dict[str, Any]:
    """docs/bundle-format.md's trace of `instance`, with `id`s and timestamps beside each entry."""
    iterations = list(
        WorkflowData.objects.filter(workflow_instance=instance)
        .order_by("iteration")
        .values(
            "iteration",
            "source",
            "written",
            "data",
            "decisions",
            "created_at",
            "created_by",
            "created_by__username",
        )
    )
    tasks = list(
        TaskInstance.objects.filter(workflow_instance=instance)
        .order_by("seq")
        .values(
            "id", "seq", "task_definition__title", "status", "start_iteration",
            "end_iteration", "assigned_to", "assigned_to__username", "completed_by",
            "completed_by__username", "created_at", "completed_at",
        )
    )  # fmt: skip
    errors = list(
        TicketError.objects.filter(ticket__workflow_instance=instance)
        .order_by("id")
        .values(
            "id", "error_type", "error_message", "task_definition__title",
            "task_instance__task_definition__title", "completion__title", "error_status",
            "created_at",
        )
    )  # fmt: skip

    builder = Trace()
    # Replay the stored rows as the kernel's effects; the builder turns them into the
    # trace exactly as it does in a simulation (sources, decisions, errors).
    replay: list[dict] = []
    for row in iterations:
        source = row["source"]
        if "admin" in source:
            source = {"admin": source["admin"]}
        replay.append(
            effects.iteration(
                row["iteration"], source, row["written"], row["data"], row["decisions"]
            )
        )
    for task in tasks:
        title = task["task_definition__title"]
        replay.append(effects.task_created(task["seq"], title, "", task["status"], 0))
        replay.append(
            effects.task_status(
                task["seq"], title, task["status"], task["start_iteration"], task["end_iteration"]
            )
        )
    for error in errors:
        title = error["task_definition__title"] or error["task_instance__task_definition__title"]
        replay.append(
            effects.ticket_error(
                error["error_type"], error["error_message"], title, None, error["completion__title"]
            )
        )
    replay.append(effects.workflow_status(instance.status, completion_title(instance)))
    builder.apply(replay)
    result = builder.to_dict()

    for entry, row in zip(result["iterations"], iterations, strict=True):
        entry["created_at"] = row["created_at"]
        entry["created_by"] = _user(row, "created_by")
    for entry, task in zip(result["tasks"], tasks, strict=True):
        entry.update(
            id=task["id"],
            seq=task["seq"],
            assigned_to=_user(task, "assigned_to"),
            completed_by=_user(task, "completed_by"),
            created_at=task["created_at"],
            completed_at=task["completed_at"],
        )
    for entry, error in zip(result["errors"], errors, strict=True):
        entry.update(id=error["id"], status=error["error_status"], created_at=error["created_at"])
    return result


def _user(row: dict[str, Any], key: str) -> dict[str, Any] | None:
    """A user read with `values()` (id and username), as every resource shows one."""
    if row[key] is None:
        return None
    return {"id": row[key], "username": row[f"{key}__username"]}


def strip_extras(trace_dict: dict[str, Any]) -> dict[str, Any]:
    """The trace without the API's additions: exactly what `ticketflower simulate` prints."""
    extras = {"id", "seq", "assigned_to", "completed_by", "created_at", "completed_at"}
    out = dict(trace_dict)
    out["iterations"] = [
        {k: v for k, v in it.items() if k not in ("created_at", "created_by")}
        for it in trace_dict["iterations"]
    ]
    out["tasks"] = [{k: v for k, v in t.items() if k not in extras} for t in trace_dict["tasks"]]
    out["errors"] = [
        {k: v for k, v in e.items() if k not in ("id", "status", "created_at")}
        for e in trace_dict["errors"]
    ]
    return out


def explain(instance: WorkflowInstance, task: str) -> dict[str, Any] | None:
    """Why `task` did (or did not) run: the kernel's sentences and the task's decisions.
    None when the workflow has no such task."""
    from ticketflower.runs.compiled import compiled

    definition = compiled(instance.workflow_id).definition
    task_def = definition.tasks_by_title.get(task)
    if task_def is None:
        return None
    iterations = list(
        WorkflowData.objects.filter(workflow_instance=instance)
        .order_by("iteration")
        .values("iteration", "written", "decisions")
    )
    decisions = [
        {"iteration": it["iteration"], **{k: v for k, v in d.items() if k != "task"}}
        for it in iterations
        for d in it["decisions"]
        if d.get("task") == task
    ]
    return {
        "task": task,
        "lines": explain_task(iterations, task, task_def.input_fields),
        "decisions": decisions,
    }
