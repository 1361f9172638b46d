"""The host plugins see: the runs host plus what HTTP actions need (secret, callbacks, limits)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from plugins.types import TaskEvent
from ticketflower.runs.host import PlatformHost as RunsHost
from ticketflower.runs.host import in_schema


class PlatformHost(RunsHost):
    """Implements plugins.host.Host (installed by this app's ready())."""

    def signing_secret(self, event: TaskEvent) -> bytes:
        from ticketflower.actions.tokens import signing_secret

        with in_schema(event.schema_name):
            return signing_secret()

    def issue_callback(self, event: TaskEvent, run: int) -> str:
        from ticketflower.actions.tokens import issue_callback

        with in_schema(event.schema_name):
            return issue_callback(event.task_instance_id, run)

    def record_call(self, event: TaskEvent, outcome: str, seconds: float) -> None:
        from ticketflower.observability.metrics import ACTION_CALLS

        ACTION_CALLS.labels(event.task_type, outcome).observe(seconds)

    def action_settings(self) -> dict[str, Any]:
        from plugins.http_action.destinations import parse_networks

        return {
            "max_retries": settings.ACTION_MAX_RETRIES,
            "min_backoff_ms": settings.ACTION_MIN_BACKOFF_MS,
            "max_backoff_ms": settings.ACTION_MAX_BACKOFF_MS,
            "default_timeout": settings.ACTION_DEFAULT_TIMEOUT_SECONDS,
            "max_timeout": settings.ACTION_MAX_TIMEOUT_SECONDS,
            "allowed": parse_networks(settings.ACTION_ALLOWED_NETWORKS),
            "allow_all": settings.ACTION_ALLOW_PRIVATE,
            "per_destination": settings.ACTION_PER_DESTINATION,
        }
