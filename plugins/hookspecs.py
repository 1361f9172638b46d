"""Hook specifications of TicketFlower plugins (pluggy project name "ticketflower").

Registration hooks hand the plugin a `register` callback (as llm's `register_models`),
so the host owns the bookkeeping. Every hook is documented in docs/plugins.md and has a
test in tests/plugins/ (enforced by tests/plugins/test_hook_discipline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

from plugins.types import TaskEvent, TaskType

hookspec = pluggy.HookspecMarker("ticketflower")
hookimpl = pluggy.HookimplMarker("ticketflower")


@hookspec
def register_evaluators(register: Callable[[str, Any], None]) -> None:
    """Register expression evaluators: call register(name, evaluator) for each."""


@hookspec
def register_task_types(register: Callable[[TaskType], None]) -> None:
    """Register task types: call register(TaskType(...)) for each type the plugin runs."""


@hookspec
def validate_task_settings(task: dict[str, Any], pointer: str) -> list[tuple[str, str]] | None:
    """Problems with a task definition's type-specific settings, as (JSON pointer, message)."""


@hookspec(firstresult=True)
def callback_output(task: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any] | None:
    """The output an asynchronous answer (a callback to a task's URL) maps to, for a task
    type this plugin runs; None for others. `task` is the task definition's bundle entry,
    `answer` {"status", "headers", "body", "input", "data"}. Raise OutputRefused when
    the answer cannot be mapped (the task then goes ERROR with the reason)."""


@hookspec
def task_started(event: TaskEvent) -> None:
    """A task instance was created active; called after the step's transaction committed."""


@hookspec
def task_completed(event: TaskEvent) -> None:
    """A task instance completed; called after the step's transaction committed."""


@hookspec
def task_failed(event: TaskEvent) -> None:
    """A task instance went ERROR; called after the step's transaction committed."""
