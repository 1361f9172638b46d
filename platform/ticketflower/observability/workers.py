"""Dramatiq middleware: each message's log lines carry its ids, and the workers' metrics
(messages handled, a heartbeat, processes alive) are counted."""

from __future__ import annotations

import os
from typing import Any

import structlog
from dramatiq.middleware import Middleware

from ticketflower.observability import metrics
from ticketflower.workers.tenancy import OPTION as TENANT_OPTION

# The ids of a message's payload worth having on its log lines.
_IDS = {"task_instance_id": "task", "workflow_instance_id": "instance"}


class WorkerObservedMiddleware(Middleware):
    def after_process_boot(self, broker: Any) -> None:
        metrics.WORKER_PROCESSES.set(1)
        metrics.WORKER_HEARTBEAT.set_to_current_time()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid(), directory)

    def before_process_message(self, broker: Any, message: Any) -> None:
        structlog.contextvars.clear_contextvars()
        context = {
            "message_id": message.message_id,
            "actor": message.actor_name,
            "company": message.options.get(TENANT_OPTION),
        }
        payload = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
        context.update({name: payload[key] for key, name in _IDS.items() if key in payload})
        structlog.contextvars.bind_contextvars(**context)
        metrics.WORKER_HEARTBEAT.set_to_current_time()

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        result_name = "failed" if exception is not None else "done"
        metrics.WORKER_MESSAGES.labels(message.actor_name, result_name).inc()
        metrics.WORKER_HEARTBEAT.set_to_current_time()
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: Any, message: Any) -> None:
        metrics.WORKER_MESSAGES.labels(message.actor_name, "skipped").inc()
        structlog.contextvars.clear_contextvars()
