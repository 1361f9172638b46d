"""Recording the audit trail: `record(...)` inside the transaction of the change it
describes, so that an entry exists exactly when its change does."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from ticketflower.audit.models import AuditEntry

# The person a request acts for: set by AuditActorMiddleware (web pages and API alike,
# DRF sets the authenticated user on the Django request), read when a service does not
# name its actor itself.
_request: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_request", default=None)


@contextmanager
def acting_request(request: Any):
    """The request whose user the entries recorded meanwhile name."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def current_actor() -> Any:
    """The authenticated user of the current request, if any, when the request is to the
    company being changed (a platform operator's request creating a company acts in that
    company's schema, but is no user of it)."""
    request = _request.get()
    if request is None:
        return None
    tenant = getattr(request, "tenant", None)
    if getattr(tenant, "schema_name", None) != connection.schema_name:
        return None
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def record(
    action: str,
    target: Any = None,
    *,
    target_type: str | None = None,
    target_id: int | None = None,
    target_repr: str | None = None,
    actor: Any = None,
    ticket_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Append an entry: `action` done by `actor` (default: the request's user) to
    `target` (a model instance, or named by type, id and text). Nothing in the public
    schema: the platform's operators are not a company's trail."""
    if connection.schema_name == get_public_schema_name():
        return None
    actor = actor if actor is not None else current_actor()
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id if target_id is not None else target.pk
        target_repr = target_repr if target_repr is not None else str(target)
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        target_type=target_type or "",
        target_id=target_id,
        target_repr=(target_repr or "")[:300],
        ticket_id=ticket_id,
        details=details or {},
    )


def ticket_activity(ticket_id: int) -> QuerySet[AuditEntry]:
    """A ticket's own entries, oldest first (its "who did what")."""
    return AuditEntry.objects.filter(ticket_id=ticket_id).order_by("id")


class AuditActorMiddleware:
    """Makes the request's user the actor of what its services record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting_request(request):
            return self.get_response(request)
