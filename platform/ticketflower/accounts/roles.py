"""Roles of a company's users: Django groups in the tenant's schema.

Three built-in roles carry permissions; any other named role exists to be listed in
ticket definitions' `company_role_access`.
"""

from __future__ import annotations

TENANT_ADMIN = "tenant_admin"
WORKFLOW_CREATOR = "workflow_creator"
TICKET_ADMIN = "ticket_admin"
BUILTIN_ROLES = (TENANT_ADMIN, WORKFLOW_CREATOR, TICKET_ADMIN)

ROLE_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,99}$"


def role_names(user) -> set[str]:
    """The names of the roles a user holds (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_tf_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._tf_role_names = cached
    return cached


def remember_role_names(user, names) -> None:
    """Cache role names read along with the user (the token authentication reads both)."""
    user._tf_role_names = set(names)


def has_role(user, *names: str) -> bool:
    """Whether the user holds any of the named roles."""
    return bool(role_names(user) & set(names))
