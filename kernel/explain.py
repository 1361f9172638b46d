"""Explain (docs/semantics.md, Explain): each iteration's candidates and what was decided.

Decisions are listed completions first, then tasks, each in definition order; nothing
after a completion that fired is evaluated or listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

STARTED = "started"
CONDITION_FALSE = "condition_false"
CONDITION_ERROR = "condition_error"
CONFLICT = "conflict"
FIRED = "fired"

# Keys of a decision that the trace format shows (the effects carry seq and message too).
_TRACE_KEYS = ("task", "completion", "decision")


def task_decision(task: str, decision: str, seq: int | None = None, message: str = "") -> dict:
    """A task candidate's decision; seq when an instance was created, message on an error."""
    entry: dict[str, Any] = {"task": task, "decision": decision}
    if seq is not None:
        entry["seq"] = seq
    if message:
        entry["message"] = message
    return entry


def completion_decision(completion: str, decision: str, message: str = "") -> dict:
    """A completion candidate's decision."""
    entry: dict[str, Any] = {"completion": completion, "decision": decision}
    if message:
        entry["message"] = message
    return entry


def for_trace(decisions: Iterable[dict]) -> list[dict]:
    """Decisions in the trace format (docs/bundle-format.md): {"task"|"completion", "decision"}."""
    return [{k: d[k] for k in _TRACE_KEYS if k in d} for d in decisions]


def explain_task(iterations: Iterable[dict], task: str, input_fields: Iterable[str]) -> list[str]:
    """Sentences answering "why did (or didn't) this task run?" from iteration records."""
    inputs = sorted(input_fields)
    lines = []
    for it in iterations:
        for d in it.get("decisions", []):
            if d.get("task") != task:
                continue
            why = {
                STARTED: "its condition held and it started",
                CONDITION_FALSE: "its condition was false",
                CONDITION_ERROR: "its condition failed: " + d.get("message", "error"),
                CONFLICT: "it conflicted with an active instance writing the same fields",
            }[d["decision"]]
            written = ", ".join(sorted(set(it.get("written", [])) & set(inputs))) or "(start)"
            lines.append(f"iteration {it['iteration']}: {written} written; {why}")
        fired = [d for d in it.get("decisions", []) if d.get("decision") == FIRED]
        if fired:
            lines.append(
                f"iteration {it['iteration']}: completion '{fired[0]['completion']}' fired;"
                " no task was considered"
            )
    if not any(line for line in lines if "written" in line):
        waits = ", ".join(inputs) if inputs else "nothing (it runs at iteration 0 only)"
        lines.insert(0, f"'{task}' was never a candidate: it is triggered by writes of {waits}")
    return lines
