"""The state of one workflow instance between steps: small, JSON-serialisable, no history.

    {"status": "IN_PROGRESS",            # IN_PROGRESS, ON_HOLD, COMPLETED, CANCELLED
     "iteration": 3,                     # the newest iteration number
     "data": {...},                      # the workspace at that iteration
     "r": 0,                             # iteration of the submission or latest correction
     "runaway_raised": false,            # the runaway error for this r was recorded
     "next_seq": 5,                      # the seq the next task instance gets
     "active": [{"seq": 4, "task": "Ship", "status": "PENDING", "start_iteration": 3}],
     "completion": null,                 # title of the completion that fired
     "ticket": {"id": 7, "definition": "Order", "created_by": 2}}

Before the ticket submission there is no state (None).
"""

from __future__ import annotations

from typing import Any, TypedDict

ACTIVE_STATUSES = frozenset({"PENDING", "OPEN", "IN_PROGRESS"})
TERMINAL_STATUSES = frozenset({"COMPLETED", "CANCELLED"})


class TicketInfo(TypedDict):
    """The ticket as conditions see it under `$.ticket`."""

    id: Any
    definition: Any
    created_by: Any


class Instance(TypedDict):
    """An active task instance as the state keeps it."""

    seq: int
    task: str
    status: str
    start_iteration: int


class State(TypedDict):
    """A workflow instance between steps (the keys are described above)."""

    status: str
    iteration: int
    data: dict[str, Any]
    r: int
    runaway_raised: bool
    next_seq: int
    active: list[Instance]
    completion: str | None
    ticket: TicketInfo


def new_state(data: dict[str, Any], ticket: TicketInfo) -> State:
    """The state right after a submission wrote iteration 0 (before its triggers)."""
    return {
        "status": "IN_PROGRESS",
        "iteration": 0,
        "data": data,
        "r": 0,
        "runaway_raised": False,
        "next_seq": 1,
        "active": [],
        "completion": None,
        "ticket": ticket,
    }


def instance(seq: int, task: str, status: str, start_iteration: int) -> Instance:
    """An active task instance's record as kept in state."""
    return {"seq": seq, "task": task, "status": status, "start_iteration": start_iteration}


def is_terminal(state: State) -> bool:
    """Whether the workflow is COMPLETED or CANCELLED: it takes no further event."""
    return state["status"] in TERMINAL_STATUSES
