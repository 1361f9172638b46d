"""Built-in plugin: SYNC_ACTION and ASYNC_ACTION tasks, HTTP calls run on Dramatiq workers."""

from __future__ import annotations

from plugins.hookspecs import hookimpl
from plugins.types import TaskType

MAX_TIMEOUT_SECONDS = 120
MAX_CALLBACK_TIMEOUT_SECONDS = 30 * 24 * 3600
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
    settings=(*_SETTINGS, "callback_timeout_seconds"),
    plugin="http_action",
)


@hookimpl
def callback_output(task, answer):
    """An ASYNC_ACTION's answer, mapped by its output_transform like a SYNC answer."""
    if task.get("task_type") != ASYNC_ACTION.name:
        return None
    from plugins.host import OutputRefused
    from plugins.http_action.transforms import TransformError, output_values
    from plugins.manager import default_evaluator

    try:
        return output_values(
            task.get("output_transform"), answer, task["output_fields"], default_evaluator()
        )
    except TransformError as exc:
        raise OutputRefused(str(exc)) from None


@hookimpl
def register_task_types(register):
    register(SYNC_ACTION)
    register(ASYNC_ACTION)


@hookimpl
def validate_task_settings(task, pointer):
    if task.get("task_type") not in (SYNC_ACTION.name, ASYNC_ACTION.name):
        return None
    problems = []
    timeout = task.get("timeout_seconds")
    if isinstance(timeout, int) and timeout > MAX_TIMEOUT_SECONDS:
        problems.append((pointer + "/timeout_seconds", f"at most {MAX_TIMEOUT_SECONDS} seconds"))
    deadline = task.get("callback_timeout_seconds")
    if isinstance(deadline, int) and deadline > MAX_CALLBACK_TIMEOUT_SECONDS:
        problems.append(
            (
                pointer + "/callback_timeout_seconds",
                f"at most {MAX_CALLBACK_TIMEOUT_SECONDS} seconds (30 days)",
            )
        )
    return problems


@hookimpl
def task_started(event):
    if event.task_type in (SYNC_ACTION.name, ASYNC_ACTION.name):
        # Imported here: declaring the actor needs the broker the platform configured.
        from plugins.http_action.actors import enqueue

        enqueue(event)
