"""The step: (definition, state, event) -> (new state, effects), composing the rules.

A step is everything one event causes. It never mutates its inputs: it works on a copy
of the state (its data dicts are replaced, never changed in place) and either returns
the new state with the effects to persist, or raises StepRefused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, cast

from kernel import completions, conflicts, effects, guards, triggers
from kernel.bundle import Definition
from kernel.conditions import Context
from kernel.effects import Effect
from kernel.events import BAD_STATE, INVALID, NOT_ACTIVE, TERMINAL, StepRefused
from kernel.problems import Problem
from kernel.state import Instance, State, TicketInfo, instance, is_terminal, new_state
from kernel.workspace import check_writes, merge


def step(
    definition: Definition, state: State | None, event: dict[str, Any]
) -> tuple[State, list[Effect]]:
    """Apply one event; returns (new state, effects) or raises StepRefused."""
    kind = event.get("type") if isinstance(event, dict) else None
    handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise StepRefused(INVALID, [Problem("/type", f"unknown event type {kind!r}")])
    if kind == "ticket_submitted":
        if state is not None:
            raise StepRefused(BAD_STATE, [Problem("", "the ticket was already submitted")])
    elif state is None:
        raise StepRefused(BAD_STATE, [Problem("", "the workflow has not started")])
    elif is_terminal(state):
        message = f"the workflow is {state['status']}: it takes no further event"
        raise StepRefused(TERMINAL, [Problem("", message)])
    out: list[Effect] = []
    new = handler(definition, state, event, out)
    return new, out


# -- write events: submission, completion, correction ------------------------------------


def _write(
    definition: Definition,
    state: State,
    source: dict,
    writes: dict[str, Any],
    out: list[Effect],
    before_triggers: Callable[[], None] | None = None,
) -> None:
    """Create the next iteration from `writes`, then run the triggers (or the runaway guard)."""
    j = state["iteration"]
    written = sorted(writes)
    decisions: list[dict] = []
    out.append(effects.iteration(j, source, written, state["data"], decisions))
    if before_triggers is not None:
        before_triggers()
    if guards.over_limit(definition, j, state["r"]):
        out.extend(guards.runaway(definition, state))
        return
    _run_triggers(definition, state, written, decisions, out)


def _run_triggers(
    definition: Definition,
    state: State,
    written: list[str],
    decisions: list,
    out: list[Effect],
) -> None:
    j = state["iteration"]
    context = Context(state["data"], j, written, state["ticket"])
    fired, found, errors = completions.first_to_fire(definition, written, context)
    decisions.extend(found)
    out.extend(errors)
    if fired is not None:
        for inst in state["active"]:
            out.append(
                effects.task_status(inst["seq"], inst["task"], "CANCELLED", inst["start_iteration"])
            )
        state["active"] = []
        state["status"] = fired.status
        state["completion"] = fired.title
        out.append(effects.workflow_status(fired.status, fired.title))
        return
    active = list(state["active"])
    found, created, state["next_seq"] = triggers.start_tasks(
        definition, written, j, context, active, state["next_seq"]
    )
    state["active"] = active
    decisions.extend(found)
    out.extend(created)


def _submitted(definition: Definition, _: None, event: dict, out: list[Effect]) -> State:
    title = event.get("ticket")
    ticket = definition.tickets.get(title) if isinstance(title, str) else None
    if ticket is None:
        raise StepRefused(INVALID, [Problem("/ticket", f"no ticket definition titled {title!r}")])
    fields = _checked(definition, event.get("fields"), ticket.fields, "/fields", "ticket")
    info = event.get("info") or {}
    ticket_info: TicketInfo = {
        "id": info.get("id"),
        "definition": info.get("definition", title),
        "created_by": info.get("created_by"),
    }
    state = new_state(dict(fields), ticket_info)
    out.append(effects.workflow_status("IN_PROGRESS"))
    _write(definition, state, {"ticket": title}, fields, out)
    out.extend(guards.stall(state))
    return state


def _checked(
    definition: Definition, writes: Any, allowed: Collection[str] | None, base: str, what: str
) -> dict[str, Any]:
    """An event's writes once the definition's field checks pass; refused otherwise."""
    problems = check_writes(definition.field_checks, writes, allowed, base, what)
    if problems:
        raise StepRefused(INVALID, problems)
    return cast(dict[str, Any], writes)  # check_writes refuses anything but an object


def _active(state: State, event: dict) -> tuple[int, Instance]:
    seq = event.get("seq")
    for index, inst in enumerate(state["active"]):
        if inst["seq"] == seq:
            return index, inst
    raise StepRefused(NOT_ACTIVE, [Problem("/seq", f"task instance {seq!r} is not active")])


def _completed(definition: Definition, state: State, event: dict, out: list[Effect]) -> State:
    index, inst = _active(state, event)
    task = definition.tasks_by_title[inst["task"]]
    output = _checked(definition, event.get("output"), task.output_fields, "/output", "output")
    state = state.copy()
    state["active"] = state["active"][:index] + state["active"][index + 1 :]
    j = state["iteration"] + 1
    state["iteration"] = j
    state["data"] = merge(state["data"], output)

    def record_completion() -> None:
        out.append(
            effects.task_status(inst["seq"], inst["task"], "COMPLETED", inst["start_iteration"], j)
        )

    _write(
        definition,
        state,
        {"task": inst["task"], "seq": inst["seq"]},
        output,
        out,
        record_completion,
    )
    out.extend(guards.stall(state))
    return state


def _correction(definition: Definition, state: State, event: dict, out: list[Effect]) -> State:
    writes = _checked(definition, event.get("writes"), None, "/writes", "workspace")
    state = state.copy()
    if state["status"] != "IN_PROGRESS":
        state["status"] = "IN_PROGRESS"
        out.append(effects.workflow_status("IN_PROGRESS"))
    j = state["iteration"] + 1
    state["iteration"] = state["r"] = j
    state["runaway_raised"] = False
    state["data"] = merge(state["data"], writes)
    _write(definition, state, {"admin": event.get("by")}, writes, out)
    out.extend(guards.stall(state))
    return state


# -- events that change instances only -------------------------------------------------


def _replace_active(state: State, index: int, new: Instance | None) -> State:
    state = state.copy()
    rest = state["active"][index + 1 :]
    state["active"] = state["active"][:index] + ([new] if new else []) + rest
    return state


def _started(definition: Definition, state: State, event: dict, out: list[Effect]) -> State:
    index, inst = _active(state, event)
    if inst["status"] == "IN_PROGRESS":
        message = f"task instance {inst['seq']} is already IN_PROGRESS"
        raise StepRefused(NOT_ACTIVE, [Problem("/seq", message)])
    new = inst.copy()
    new["status"] = "IN_PROGRESS"
    out.append(
        effects.task_status(inst["seq"], inst["task"], "IN_PROGRESS", inst["start_iteration"])
    )
    return _replace_active(state, index, new)


def _failed(definition: Definition, state: State, event: dict, out: list[Effect]) -> State:
    index, inst = _active(state, event)
    message = event.get("message")
    if not isinstance(message, str) or not message:
        message = "the task failed"
    error_type = event.get("error_type", effects.TASK_UPDATE)
    if error_type not in (effects.TASK_UPDATE, effects.TASK_CREATION):
        problem = f"a task's failure is TASK_UPDATE or TASK_CREATION, not {error_type!r}"
        raise StepRefused(INVALID, [Problem("/error_type", problem)])
    state = _replace_active(state, index, None)
    out.append(effects.task_status(inst["seq"], inst["task"], "ERROR", inst["start_iteration"]))
    out.append(effects.ticket_error(error_type, message, inst["task"], inst["seq"]))
    out.extend(guards.stall(state))
    return state


def _task_cancelled(definition: Definition, state: State, event: dict, out: list[Effect]) -> State:
    index, inst = _active(state, event)
    state = _replace_active(state, index, None)
    out.append(effects.task_status(inst["seq"], inst["task"], "CANCELLED", inst["start_iteration"]))
    out.extend(guards.stall(state))
    return state


def _retried(definition: Definition, state: State, event: dict, out: list[Effect]) -> State:
    """An ERROR instance restarts from the newest iteration, conflict check included."""
    seq = event.get("seq")
    record = event.get("instance") or {}
    if any(inst["seq"] == seq for inst in state["active"]) or record.get("status") != "ERROR":
        raise StepRefused(NOT_ACTIVE, [Problem("/seq", f"task instance {seq!r} is not in ERROR")])
    task = definition.tasks_by_title.get(record.get("task"))
    if task is None or not isinstance(seq, int) or seq >= state["next_seq"]:
        message = f"task instance {seq!r} of {record.get('task')!r} is not of this workflow"
        raise StepRefused(INVALID, [Problem("/instance", message)])
    state = state.copy()
    j = state["iteration"]
    found = conflicts.OutputOwners(definition, state["active"]).conflict(task)
    if found is not None:
        holder, common = found
        message = conflicts.message(task, holder, common)
        out.append(effects.ticket_error(effects.TASK_CREATION, message, task.title, seq))
        out.extend(guards.stall(state))
        return state
    inst = instance(seq, task.title, task.initial_status, j)
    state["active"] = [*state["active"], inst]
    out.append(effects.task_status(seq, task.title, task.initial_status, j))
    if state["status"] != "IN_PROGRESS":
        state["status"] = "IN_PROGRESS"
        out.append(effects.workflow_status("IN_PROGRESS"))
    return state


def _workflow_cancelled(
    definition: Definition, state: State, event: dict, out: list[Effect]
) -> State:
    for inst in state["active"]:
        out.append(
            effects.task_status(inst["seq"], inst["task"], "CANCELLED", inst["start_iteration"])
        )
    state = state.copy()
    state["status"], state["active"] = "CANCELLED", []
    out.append(effects.workflow_status("CANCELLED"))
    return state


Handler = Callable[[Definition, Any, dict, list[Effect]], State]
_HANDLERS: dict[str, Handler] = {
    "ticket_submitted": _submitted,
    "task_completed": _completed,
    "admin_correction": _correction,
    "task_started": _started,
    "task_failed": _failed,
    "task_cancelled": _task_cancelled,
    "task_retried": _retried,
    "workflow_cancelled": _workflow_cancelled,
}
