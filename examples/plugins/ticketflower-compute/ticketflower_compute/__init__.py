"""COMPUTE tasks: no person, no HTTP call: the output is the task's `output_transform`
evaluated on its input, computed by a worker right after the task starts.

Example task definition:
    {"title": "Total", "task_type": "COMPUTE", "input_fields": ["lines"],
     "output_fields": ["total"],
     "output_transform": {"total": {"reduce": [{"var": "lines"},
                          {"+": [{"var": "accumulator"}, {"var": "current.price"}]}, 0]}}}
"""

from __future__ import annotations

import pluggy

from plugins.host import get_host
from plugins.manager import default_evaluator
from plugins.types import TaskType

hookimpl = pluggy.HookimplMarker("ticketflower")

COMPUTE = TaskType(
    name="COMPUTE",
    initial_status="PENDING",
    description="Output computed from the input by output_transform expressions.",
    settings=("output_transform",),
    plugin="compute",
)


@hookimpl
def register_task_types(register):
    register(COMPUTE)


@hookimpl
def validate_task_settings(task, pointer):
    if task.get("task_type") != "COMPUTE":
        return None
    transform = task.get("output_transform")
    if not isinstance(transform, dict) or not transform:
        return [(pointer + "/output_transform", "a COMPUTE task needs an output_transform object")]
    return []


@hookimpl
def task_started(event):
    if event.task_type != "COMPUTE":
        return
    host = get_host()
    context = host.task_context(event)
    evaluator = default_evaluator()
    try:
        output = {
            key: evaluator.compile(expr)(context["input"])
            for key, expr in context["task"]["output_transform"].items()
        }
    except Exception as exc:  # an expression failing at run time is the task's failure
        host.fail_task(event, f"COMPUTE failed: {exc}")
        return
    host.complete_later(event, output)
