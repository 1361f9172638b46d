"""Writes to a company's users and roles (Zulip-style `do_*` actions): each one atomic."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from ticketflower.accounts.roles import BUILTIN_ROLES
from ticketflower.api.errors import Conflict, ProblemError


def ensure_builtin_roles() -> None:
    """Create the built-in roles in the current schema (idempotent)."""
    for name in BUILTIN_ROLES:
        Group.objects.get_or_create(name=name)


def _roles(names: Iterable[str], pointer: str) -> list[Group]:
    names = list(dict.fromkeys(names))
    found = {g.name: g for g in Group.objects.filter(name__in=names)}
    missing = [
        (f"{pointer}/{i}", f"Unknown role {n!r}.") for i, n in enumerate(names) if n not in found
    ]
    if missing:
        raise ProblemError("Unknown roles.", missing)
    return [found[n] for n in names]


@transaction.atomic
def do_create_user(*, username: str, password: str, roles: Iterable[str] = (), **fields) -> User:
    """Create a user with a password and roles."""
    if User.objects.filter(username=username).exists():
        raise ProblemError("Username taken.", [("/username", "A user with this username exists.")])
    groups = _roles(roles, "/roles")
    user = User(username=username, **fields)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two creations of one username at once: the unique index decides, not a 500.
        raise ProblemError(
            "Username taken.", [("/username", "A user with this username exists.")]
        ) from None
    user.groups.set(groups)
    return user


@transaction.atomic
def do_update_user(user: User, *, password: str | None = None, roles=None, **fields) -> User:
    """Change a user's fields, password or roles."""
    if (
        "username" in fields
        and User.objects.exclude(pk=user.pk).filter(username=fields["username"]).exists()
    ):
        raise ProblemError("Username taken.", [("/username", "A user with this username exists.")])
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
        # A new password ends the API tokens issued under the old one.
        Token.objects.filter(user=user).delete()
    user.save()
    if roles is not None:
        user.groups.set(_roles(roles, "/roles"))
    return user


@transaction.atomic
def do_create_role(name: str) -> Group:
    """Create a custom role."""
    if Group.objects.filter(name=name).exists():
        raise ProblemError("Role exists.", [("/name", f"A role named {name!r} exists.")])
    return Group.objects.create(name=name)


@transaction.atomic
def do_delete_role(role: Group) -> None:
    """Delete a custom role; the built-in ones stay."""
    if role.name in BUILTIN_ROLES:
        raise Conflict("Built-in roles cannot be deleted.", [("", f"{role.name} is built in.")])
    role.delete()
