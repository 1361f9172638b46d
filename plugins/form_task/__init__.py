"""Built-in plugin: FORM tasks, done by people (created OPEN, claimed, completed by a form)."""

from __future__ import annotations

from plugins.hookspecs import hookimpl
from plugins.types import TaskType

FORM = TaskType(
    name="FORM",
    initial_status="OPEN",
    description="A person claims the task and submits its output through a form.",
    settings=("edit_layout", "display_layout"),
    plugin="form_task",
)


@hookimpl
def register_task_types(register):
    register(FORM)
