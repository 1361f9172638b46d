"""What every page's layout needs to know about the user."""

from __future__ import annotations

from django.http import HttpRequest

from ticketflower.accounts.roles import TENANT_ADMIN, has_role
from ticketflower.definitions.permissions import reads_everything


def layout(request: HttpRequest) -> dict[str, bool]:
    """Which links the navigation shows (the pages check again themselves)."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "is_tenant_admin": signed_in and has_role(user, TENANT_ADMIN),
        "reads_definitions": signed_in and reads_everything(user),
    }
