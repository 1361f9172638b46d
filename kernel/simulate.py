"""Simulation: run a scenario through the step function and build the trace (docs/bundle-format.md).

The trace keeps one data dict per iteration; each is the new dict the step made for that
iteration (values shared with the previous one), so no step copies the history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kernel import events, explain
from kernel.bundle import Definition
from kernel.events import StepRefused
from kernel.state import State, is_terminal
from kernel.step import step


class Trace:
    """The trace under construction, fed with the effects of each step."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.completion: str | None = None
        self.iterations: list[dict] = []
        self.instances: dict[int, dict] = {}  # seq -> trace entry, in creation order
        self.errors: list[dict] = []

    def apply(self, effects: Sequence[Mapping[str, Any]]) -> None:
        """Record one step's effects."""
        for effect in effects:
            kind = effect["type"]
            if kind == "iteration":
                source = effect["source"]
                if "task" in source:
                    source = {"task": source["task"]}
                self.iterations.append(
                    {
                        "iteration": effect["iteration"],
                        "source": source,
                        "written": effect["written"],
                        "data": effect["data"],
                        "decisions": effect["decisions"],  # converted in to_dict
                    }
                )
            elif kind == "task_created":
                self.instances[effect["seq"]] = {
                    "task": effect["task"],
                    "status": effect["status"],
                    "start_iteration": effect["start_iteration"],
                    "end_iteration": None,
                }
            elif kind == "task_status":
                entry = self.instances[effect["seq"]]
                entry["status"] = effect["status"]
                entry["start_iteration"] = effect["start_iteration"]
                entry["end_iteration"] = effect["end_iteration"]
            elif kind == "ticket_error":
                error = {"type": effect["error_type"], "message": effect["message"]}
                if effect["task"] is not None:
                    error["task"] = effect["task"]
                if effect["completion"] is not None:
                    error["completion"] = effect["completion"]
                self.errors.append(error)
            elif kind == "workflow_status":
                self.status = effect["status"]
                if effect["completion"] is not None:
                    self.completion = effect["completion"]

    def to_dict(self, status: str | None = None, message: str | None = None) -> dict[str, Any]:
        """The trace as JSON data; `status` SCENARIO_ERROR adds the message."""
        trace: dict[str, Any] = {"status": status or self.status, "completion": self.completion}
        if message is not None:
            trace["message"] = message
        trace["iterations"] = [
            dict(it, decisions=explain.for_trace(it["decisions"])) for it in self.iterations
        ]
        trace["tasks"] = [dict(entry) for entry in self.instances.values()]
        trace["errors"] = list(self.errors)
        return trace


def _scenario_problem(scenario: Any) -> str | None:
    if not isinstance(scenario, dict):
        return "the scenario must be a JSON object with 'ticket' and 'steps'"
    ticket = scenario.get("ticket")
    if not isinstance(ticket, dict) or not isinstance(ticket.get("title"), str):
        return "'ticket' must be an object with a 'title' (and 'fields')"
    if not isinstance(ticket.get("fields", {}), dict):
        return "'ticket.fields' must be an object"
    if not isinstance(scenario.get("steps", []), list):
        return "'steps' must be an array"
    return None


def _oldest_active(state: State, title: Any) -> int | None:
    seqs = [inst["seq"] for inst in state["active"] if inst["task"] == title]
    return min(seqs) if seqs else None


def _event(state: State, spec: Any) -> dict[str, Any]:
    """The event a scenario step stands for; raises ValueError for a malformed step."""
    if not isinstance(spec, dict):
        raise ValueError("a step must be an object with 'complete', 'fail' or 'write'")
    kinds = [k for k in ("complete", "fail", "write") if k in spec]
    if len(kinds) != 1:
        raise ValueError("a step must have exactly one of 'complete', 'fail' or 'write'")
    if kinds[0] == "write":
        return {"type": "admin_correction", "writes": spec["write"], "by": None}
    title = spec[kinds[0]]
    seq = _oldest_active(state, title)
    if seq is None:
        raise LookupError(f"no active instance of task {title!r}")
    if kinds[0] == "complete":
        output = spec.get("output", {})
        return {"type": "task_completed", "seq": seq, "output": output}
    return events.task_failed(seq, spec.get("message") or "failed (simulated)")


def _describe(problems: list) -> str:
    return "; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems)


def simulate(definition: Definition, scenario: Any) -> dict[str, Any]:
    """The trace of a scenario; a step the API would refuse ends it with SCENARIO_ERROR."""
    trace = Trace()
    problem = _scenario_problem(scenario)
    if problem:
        return trace.to_dict("SCENARIO_ERROR", f"invalid scenario: {problem}")
    ticket = scenario["ticket"]
    submission = {
        "type": "ticket_submitted",
        "ticket": ticket["title"],
        "fields": ticket.get("fields", {}),
        "info": {"id": None, "definition": ticket["title"], "created_by": None},
    }
    try:
        state, effects = step(definition, None, submission)
    except StepRefused as refused:
        return trace.to_dict("SCENARIO_ERROR", f"ticket refused: {_describe(refused.problems)}")
    trace.apply(effects)
    for number, spec in enumerate(scenario.get("steps", [])):
        where = f"step {number} ({_summary(spec)})"
        if is_terminal(state):
            message = f"the workflow is {state['status']}: it takes no further step"
            return trace.to_dict("SCENARIO_ERROR", f"{where}: {message}")
        try:
            event = _event(state, spec)
            state, effects = step(definition, state, event)
        except (ValueError, LookupError) as exc:
            return trace.to_dict("SCENARIO_ERROR", f"{where}: {exc}")
        except StepRefused as refused:
            return trace.to_dict("SCENARIO_ERROR", f"{where}: {_describe(refused.problems)}")
        trace.apply(effects)
    return trace.to_dict()


def _summary(spec: Any) -> str:
    if isinstance(spec, dict):
        for key in ("complete", "fail"):
            if key in spec:
                return f"{key} {spec[key]!r}"
        if "write" in spec:
            return "write"
    return "?"
