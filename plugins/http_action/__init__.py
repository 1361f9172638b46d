"""Built-in plugin: SYNC_ACTION and ASYNC_ACTION tasks, HTTP calls run on Dramatiq workers."""

from __future__ import annotations

from plugins.hookspecs import hookimpl
from plugins.types import TaskType

_SETTINGS = ("action_url", "timeout_seconds", "input_transform", "output_transform")
SYNC_ACTION = TaskType(
    name="SYNC_ACTION",
    initial_status="PENDING",
    description="A worker sends the input to action_url and completes with the answer.",
    settings=_SETTINGS,
    plugin="http_action",
)
ASYNC_ACTION = TaskType(
    name="ASYNC_ACTION",
    initial_status="PENDING",
    description="A worker sends the input with a callback URL; the answer arrives later.",
    settings=_SETTINGS,
    plugin="http_action",
)


@hookimpl
def register_task_types(register):
    register(SYNC_ACTION)
    register(ASYNC_ACTION)
