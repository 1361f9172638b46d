"""What plugins may ask of the host platform, without importing it.

Dependencies point one way (platform → plugins → kernel), so plugins reach the
platform only through this seam: the platform installs its `Host` at start-up
(`ticketflower.actions.host`, built on `ticketflower.runs.host`), plugins call
`get_host()`. Every method runs inside the tenant schema of the event and goes through
the platform's one kernel adapter.
"""

from __future__ import annotations

from typing import Any, Protocol

from plugins.types import TaskEvent


class TaskNotActive(Exception):
    """The task instance is no longer active: the work was done (or dropped) already."""


class OutputRefused(Exception):
    """The output breaks the task's output fields (a key that is not one, or a value the
    field's schema refuses); the message names each problem."""


class Host(Protocol):
    def task_context(self, event: TaskEvent) -> dict[str, Any]:
        """{"task": the task definition in bundle form, "status": the instance's status,
        "run": which run of the instance (a retry starts a new one),
        "input": workspace at its start, "data": the newest workspace,
        "ticket": {"id", "definition", "created_by"}}."""
        ...

    def start_task(self, event: TaskEvent) -> None:
        """Mark a PENDING instance IN_PROGRESS (work handed to an outside system)."""
        ...

    def complete_task(self, event: TaskEvent, output: dict[str, Any]) -> None:
        """Complete the instance with `output`; raises TaskNotActive if it is not active,
        OutputRefused if the output is invalid (nothing changes then)."""
        ...

    def fail_task(self, event: TaskEvent, message: str) -> None:
        """Put the instance in ERROR with a TASK_UPDATE ticket error saying `message`."""
        ...

    def lease_task(self, event: TaskEvent, seconds: float) -> None:
        """Keep an active instance for the worker doing it for `seconds` more (call before
        each attempt): it is handed over again only if that passes with nothing done."""
        ...

    def renew_leases(self, events: list[TaskEvent], seconds: float) -> None:
        """Keep active instances whose calls are still in flight for `seconds` more (no
        dispatch counted; one statement per company)."""
        ...

    def complete_later(self, event: TaskEvent, output: dict[str, Any]) -> None:
        """Complete the instance on a worker, after the current transaction commits."""
        ...

    def signing_secret(self, event: TaskEvent) -> bytes:
        """The company's secret for signing outbound requests."""
        ...

    def issue_callback(self, event: TaskEvent, run: int) -> str:
        """A fresh single-use, expiring callback URL for this run of the instance (the
        `run` of its task context)."""
        ...

    def record_call(self, event: TaskEvent, outcome: str, seconds: float) -> None:
        """Count one outbound call of an action for the metrics: `outcome` is "ok",
        "retry" (a timeout, a connection error, a 5xx) or "fail" (the call's own refusal)."""
        ...

    def action_settings(self) -> dict[str, Any]:
        """{"max_retries", "min_backoff_ms", "max_backoff_ms", "default_timeout",
        "max_timeout", "allowed" (networks), "allow_all", "per_destination" (calls at
        once to one destination; 0: no limit)}."""
        ...


_host: Host | None = None


def install_host(host: Host | None) -> None:
    """Called once by the platform at start-up (and by tests)."""
    global _host
    _host = host


def get_host() -> Host:
    """The installed host; plugins call this only from hooks and actors."""
    if _host is None:
        raise RuntimeError("no host platform installed: plugins run inside TicketFlower")
    return _host
