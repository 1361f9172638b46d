"""What every page's layout needs to know about the user."""

from __future__ import annotations

from django.http import HttpRequest

from ticketflower.accounts.roles import TENANT_ADMIN, has_role


def layout(request: HttpRequest) -> dict[str, bool]:
    """Which links the navigation shows (the pages check again themselves)."""
    user = getattr(request, "user", None)
    return {"is_tenant_admin": bool(user and has_role(user, TENANT_ADMIN))}
