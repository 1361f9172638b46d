"""Events a step consumes, and the refusal a step raises when it must change nothing.

Events are plain dicts with a "type"; the constructors below document their shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel.problems import Problem

# Refusal codes; the API answers 400 for INVALID and 409 for the others.
INVALID = "invalid"  # an output, correction or submission that breaks the definition
NOT_ACTIVE = "not_active"  # the task instance is not active (or not in the expected status)
TERMINAL = "terminal"  # the workflow is COMPLETED or CANCELLED
BAD_STATE = "bad_state"  # e.g. a second submission, or an event before the submission


class StepRefused(Exception):
    """A refused event: carries a code and the problems; the state is unchanged."""

    def __init__(self, code: str, problems: list[Problem]):
        super().__init__("; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems) or code)
        self.code = code
        self.problems = problems

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"code", "problems": [{"pointer", "message"}]}."""
        return {"code": self.code, "problems": [p.to_dict() for p in self.problems]}


def ticket_submitted(
    ticket: str,
    fields: Mapping[str, Any],
    ticket_id: Any = None,
    created_by: Any = None,
    definition: Any = None,
) -> dict[str, Any]:
    """A ticket submission; `definition` ($.ticket.definition) defaults to the ticket title."""
    return {
        "type": "ticket_submitted",
        "ticket": ticket,
        "fields": dict(fields),
        "info": {
            "id": ticket_id,
            "definition": ticket if definition is None else definition,
            "created_by": created_by,
        },
    }


def task_completed(seq: int, output: Mapping[str, Any]) -> dict[str, Any]:
    """An active instance completes with `output` (a person's form or an action's result)."""
    return {"type": "task_completed", "seq": seq, "output": dict(output)}


def task_started(seq: int) -> dict[str, Any]:
    """An OPEN or PENDING instance goes IN_PROGRESS (a person claims a form, a worker sends)."""
    return {"type": "task_started", "seq": seq}


def task_failed(seq: int, message: str, error_type: str = "TASK_UPDATE") -> dict[str, Any]:
    """An active instance fails (an action's 4xx or exhausted retries): it goes ERROR with
    a ticket error of `error_type`: TASK_UPDATE, or TASK_CREATION for a failure before the
    work was sent (an input transform that cannot run, say)."""
    return {"type": "task_failed", "seq": seq, "message": message, "error_type": error_type}


def task_cancelled(seq: int) -> dict[str, Any]:
    """An admin cancels one active instance."""
    return {"type": "task_cancelled", "seq": seq}


def task_retried(seq: int, task: str, status: str = "ERROR") -> dict[str, Any]:
    """An admin retries an ERROR instance; the event carries its record (not kept in state)."""
    return {"type": "task_retried", "seq": seq, "instance": {"task": task, "status": status}}


def admin_correction(writes: Mapping[str, Any], by: Any = None) -> dict[str, Any]:
    """An admin's data correction: a write event that resumes an ON_HOLD workflow."""
    return {"type": "admin_correction", "writes": dict(writes), "by": by}


def workflow_cancelled(by: Any = None) -> dict[str, Any]:
    """An admin cancels the whole workflow."""
    return {"type": "workflow_cancelled", "by": by}
