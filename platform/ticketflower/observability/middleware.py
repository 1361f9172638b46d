"""Each request: an id (kept from a load balancer's X-Request-ID, else new), bound to
every log line written while it is handled and returned in the X-Request-ID header and
in error bodies; one log line and its metrics when it is answered; and `/metrics`.
"""

from __future__ import annotations

import hmac
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ticketflower.api.errors import json_error
from ticketflower.observability import metrics

HEADER = "X-Request-ID"
# A caller's id is kept only when it is short and plain (it ends up in logs and headers).
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
log = structlog.get_logger("ticketflower.requests")


def current_request_id() -> str | None:
    """The id of the request being handled in this thread, if any."""
    return structlog.contextvars.get_contextvars().get("request_id")


class RequestObservedMiddleware:
    """Outermost but for the health probes: ids, the request's log line, its metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            return _metrics(request)
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _ACCEPTED_ID.fullmatch(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            response[HEADER] = request_id
            _record(request, response.status_code, elapsed)
            return response
        finally:
            structlog.contextvars.clear_contextvars()


_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered, as `/api/v1/tickets/<pk>/` (a bounded label)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "unmatched"
    return "/" + _GROUP.sub(r"<\1>", match.route).lstrip("^").rstrip("$")


def _record(request: HttpRequest, status: int, elapsed: float) -> None:
    route = route_of(request)
    metrics.HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
    metrics.HTTP_SECONDS.labels(request.method, route).observe(elapsed)
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    log.info(
        "request",
        method=request.method,
        path=request.path,
        route=route,
        status=status,
        duration_ms=round(elapsed * 1000, 1),
        company=getattr(tenant, "schema_name", None),
        user=user.pk if user is not None and user.is_authenticated else None,
    )


def _metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text for a scraper holding the metrics token; not found for anyone else,
    and not found at all when no token is configured."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return json_error(404, "not_found", "Not found.")
    body, content_type = metrics.exposition([metrics.PendingWork()])
    return HttpResponse(body, content_type=content_type)
