"""Honest answers when a dependency is down, and probes for a load balancer
(docs/decision-nothing-lost.md).

- `/healthz` and `/readyz` are answered by the outermost middleware, before the company
  lookup (which needs the database): liveness without touching anything (the process
  serves); readiness 200 only when PostgreSQL answers, the broker answers and no
  migration is pending, else 503 with what failed;
- a request that meets an unreachable PostgreSQL, in a view or in a middleware, gets 503
  with `Retry-After` in the one error shape instead of a generic 500 (`handler500` sees
  the exception Django is handling).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from ticketflower.api.errors import json_error

RETRY_AFTER_SECONDS = 5


def unavailable(detail: str) -> HttpResponse:
    """503 in the one error shape, with Retry-After."""
    response = json_error(503, "service_unavailable", detail)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def readiness() -> dict[str, str]:
    """Each dependency's state: "ok" or what is wrong."""
    checks: dict[str, str] = {}
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except (OperationalError, InterfaceError) as exc:
        checks["database"] = f"unreachable: {exc}".strip()[:300]
    try:
        import redis

        redis.Redis.from_url(
            os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_timeout=2
        ).ping()
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"unreachable: {type(exc).__name__}: {exc}"[:300]
    if checks["database"] == "ok":
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = "ok" if not pending else f"{len(pending)} pending"
    return checks


class HealthMiddleware:
    """The probes, on every host and before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            checks = readiness()
            ready = all(value == "ok" for value in checks.values())
            response = JsonResponse({"status": "ok" if ready else "unavailable", **checks},
                                    status=200 if ready else 503)  # fmt: skip
            if not ready:
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return self.get_response(request)


def outage_response() -> HttpResponse | None:
    """The 503 for the exception being handled, if it is the database being unreachable
    (call inside Django's exception handling, as handler500 is)."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    from psycopg.errors import QueryCanceled

    if isinstance(exc.__cause__, QueryCanceled):
        # settings.STATEMENT_TIMEOUT_MS: the request's transaction rolled back.
        return unavailable(
            "The request took too long and was stopped; nothing was changed. "
            "Try again, or ask for less (a smaller page, a narrower search)."
        )
    # The connection is broken: drop it, so that the next request connects afresh.
    connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
    return unavailable(
        "The database cannot be reached just now; nothing was changed. "
        f"Try again in {RETRY_AFTER_SECONDS} seconds."
    )
