"""Effects: what a step asks the caller to persist, in the order it happened.

Each is a plain dict with a "type"; see docs/kernel.md for the platform's side.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

# Ticket error types (docs/semantics.md, "Ticket errors").
TASK_CREATION = "TASK_CREATION"
TASK_UPDATE = "TASK_UPDATE"
WORKFLOW_TRANSITION = "WORKFLOW_TRANSITION"


class IterationEffect(TypedDict):
    type: Literal["iteration"]
    iteration: int
    source: dict[str, Any]
    written: list[str]
    data: dict[str, Any]
    decisions: list[dict[str, Any]]


class TaskCreatedEffect(TypedDict):
    type: Literal["task_created"]
    seq: int
    task: str
    task_type: str
    status: str
    start_iteration: int


class TaskStatusEffect(TypedDict):
    type: Literal["task_status"]
    seq: int
    task: str
    status: str
    start_iteration: int
    end_iteration: int | None


class TicketErrorEffect(TypedDict):
    type: Literal["ticket_error"]
    error_type: str
    message: str
    task: str | None
    seq: int | None
    completion: str | None


class WorkflowStatusEffect(TypedDict):
    type: Literal["workflow_status"]
    status: str
    completion: str | None


Effect = (
    IterationEffect | TaskCreatedEffect | TaskStatusEffect | TicketErrorEffect
    | WorkflowStatusEffect
)  # fmt: skip


def iteration(
    number: int, source: dict, written: list[str], data: dict, decisions: list
) -> IterationEffect:
    """A new iteration: its number, source, sorted written fields, full data and decisions."""
    return {
        "type": "iteration",
        "iteration": number,
        "source": source,
        "written": written,
        "data": data,
        "decisions": decisions,
    }


def task_created(seq: int, task: str, task_type: str, status: str, start: int) -> TaskCreatedEffect:
    """A new task instance (status OPEN, PENDING or ERROR)."""
    return {
        "type": "task_created",
        "seq": seq,
        "task": task,
        "task_type": task_type,
        "status": status,
        "start_iteration": start,
    }


def task_status(
    seq: int, task: str, status: str, start: int, end: int | None = None
) -> TaskStatusEffect:
    """An instance's new status; `end_iteration` is set only when it COMPLETED."""
    return {
        "type": "task_status",
        "seq": seq,
        "task": task,
        "status": status,
        "start_iteration": start,
        "end_iteration": end,
    }


def ticket_error(
    error_type: str,
    message: str,
    task: str | None = None,
    seq: int | None = None,
    completion: str | None = None,
) -> TicketErrorEffect:
    """A ticket error, about a task instance (seq), a task definition or a completion."""
    return {
        "type": "ticket_error",
        "error_type": error_type,
        "message": message,
        "task": task,
        "seq": seq,
        "completion": completion,
    }


def workflow_status(status: str, completion: str | None = None) -> WorkflowStatusEffect:
    """The workflow's new status, and the completion that fired (if one did)."""
    return {"type": "workflow_status", "status": status, "completion": completion}
