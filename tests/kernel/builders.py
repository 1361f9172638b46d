"""Kernel test builders: the shipped evaluator, small bundles in a line, a step driver."""

from __future__ import annotations

from typing import Any

from kernel.bundle import Definition, compile_bundle
from kernel.step import step
from plugins.manager import default_evaluator

EVALUATOR = default_evaluator()


def task(title: str, inputs=(), outputs=(), condition=None, task_type="FORM", **extra) -> dict:
    """A task definition; action types get an action_url."""
    t = {
        "title": title,
        "task_type": task_type,
        "input_fields": list(inputs),
        "output_fields": list(outputs),
        "condition": condition,
    }
    if task_type != "FORM":
        t["action_url"] = "https://example.com/" + title.lower()
    t.update(extra)
    return t


def completion(title: str, fields, condition=None, status="COMPLETED") -> dict:
    """A workflow completion."""
    return {
        "title": title,
        "completion_status": status,
        "fields": list(fields),
        "condition": condition,
    }


def bundle(
    fields: dict[str, Any] | list[str],
    tasks=(),
    completions=(),
    ticket_fields=None,
    max_iterations=None,
    schema_extra=None,
) -> dict:
    """A bundle; `fields` is a properties dict, or names (each any-typed)."""
    props = fields if isinstance(fields, dict) else {name: {} for name in fields}
    schema = {"type": "object", "properties": props, **(schema_extra or {})}
    workflow: dict[str, Any] = {"title": "W", "fields_schema": schema}
    if max_iterations is not None:
        workflow["max_iterations"] = max_iterations
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": workflow,
        "tasks": list(tasks),
        "completions": list(completions),
        "tickets": [
            {"title": "T", "fields": list(props) if ticket_fields is None else ticket_fields}
        ],
    }


def compile_(b: dict) -> Definition:
    """Compile with the shipped evaluator."""
    return compile_bundle(b, EVALUATOR)


class Run:
    """Drive one workflow instance through the step function, keeping every effect."""

    def __init__(self, compiled: Definition, fields: dict | None = None, **info):
        self.d = compiled
        self.effects: list[dict] = []
        event = {"type": "ticket_submitted", "ticket": "T", "fields": fields or {}, "info": info}
        self.state, out = step(compiled, None, event)
        self.effects += out
        self.last = out

    def send(self, event: dict) -> list[dict]:
        """Apply an event; returns its effects."""
        self.state, out = step(self.d, self.state, event)
        self.effects += out
        self.last = out
        return out

    def seq(self, title: str) -> int:
        """The oldest active instance of a task."""
        return min(i["seq"] for i in self.state["active"] if i["task"] == title)

    def complete(self, title: str, output: dict) -> list[dict]:
        """Complete the oldest active instance of `title`."""
        return self.send({"type": "task_completed", "seq": self.seq(title), "output": output})

    def of(self, kind: str, effects: list[dict] | None = None) -> list[dict]:
        """Effects of one type (of the last step by default)."""
        return [e for e in (self.last if effects is None else effects) if e["type"] == kind]

    def iteration(self) -> dict:
        """The iteration effect of the last step."""
        (it,) = self.of("iteration")
        return it

    def decisions(self) -> list[tuple[str, str]]:
        """(title, decision) of the last step's iteration."""
        entries = self.iteration()["decisions"]
        return [(d.get("task") or d.get("completion"), d["decision"]) for d in entries]

    def active(self) -> list[str]:
        """Titles of the active instances."""
        return [i["task"] for i in self.state["active"]]
