"""Dramatiq actors of workflow runs. The worker must import this module (it runs
`ticketflower.workers.actors`, which imports it: a worker that does not would never run them)."""

from __future__ import annotations

from typing import Any

import dramatiq

from ticketflower.workers.broker import broker  # noqa: F401  (the broker, before actors)


@dramatiq.actor(queue_name="default", max_retries=3)
def complete_task(task_instance_id: int, output: dict[str, Any]) -> None:
    """Complete a task instance (host.complete_later); a second delivery changes nothing."""
    from ticketflower.api.errors import Conflict, ProblemError
    from ticketflower.runs import services

    try:
        services.do_complete_task(task_instance_id, output, source="worker")
    except Conflict:
        return  # no longer active: a second delivery, or the work was dropped meanwhile
    except ProblemError as refused:
        # An output that breaks the definition is the task's failure (TASK_UPDATE).
        problems = "; ".join(f"{p['pointer']}: {p['message']}" for p in refused.problems)
        try:
            services.do_fail_task(task_instance_id, f"invalid output: {problems}")
        except Conflict:
            return
