"""Platform actors: work plugins hand to the workers through the host seam."""

from __future__ import annotations

from typing import Any

import dramatiq

from plugins.host import TaskNotActive


@dramatiq.actor(queue_name="default", max_retries=3, throws=(TaskNotActive,))
def complete_task_instance(task_instance_id: int, output: dict[str, Any]) -> None:
    """Complete a task instance with an output a plugin computed (idempotent)."""
    from ticketflower.api.errors import Conflict
    from ticketflower.runs.services import do_complete_task

    try:
        do_complete_task(task_instance_id, output)
    except Conflict:
        pass  # delivered twice, or the instance was cancelled meanwhile: nothing to do
