"""Role-based DRF permissions (roles: ticketflower.accounts.roles)."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ticketflower.accounts.roles import TENANT_ADMIN, has_role


def role_permission(*write_roles: str, read_roles: tuple[str, ...] | None = None):
    """A permission class: `write_roles` may write; `read_roles` (default: the same) may read."""
    readers = write_roles if read_roles is None else read_roles

    class HasRole(BasePermission):
        message = "You do not have a role that allows this."

        def has_permission(self, request, view) -> bool:
            user = request.user
            if not (user and user.is_authenticated):
                return False
            if request.method in SAFE_METHODS:
                return has_role(user, *readers, *write_roles)
            return has_role(user, *write_roles)

    HasRole.__name__ = "HasRole_" + "_".join(write_roles)
    return HasRole


IsTenantAdmin = role_permission(TENANT_ADMIN)


class IsPlatformAdmin(BasePermission):
    """A platform operator: a staff user of the public schema."""

    message = "Platform administrators only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
