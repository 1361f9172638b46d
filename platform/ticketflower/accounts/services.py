"""Writes to a company's users and roles (Zulip-style `do_*` actions): each one atomic."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ticketflower.accounts.roles import BUILTIN_ROLES, TENANT_ADMIN
from ticketflower.accounts.tokens import do_revoke_all
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.audit.trail import record


def check_password(password: str, user: User) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), at /password."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ProblemError(
            "The password is too weak.", [("/password", message) for message in exc.messages]
        ) from None


def _keep_an_admin(user: User, *, roles=None, is_active=None, deleting: bool = False) -> None:
    """The company keeps at least one active tenant_admin: the change that would remove
    the last one is refused (409). The admins are locked, so two such changes at once
    cannot both pass."""
    is_admin = user.is_active and user.groups.filter(name=TENANT_ADMIN).exists()
    if not is_admin:
        return
    loses = deleting or is_active is False or (roles is not None and TENANT_ADMIN not in roles)
    if not loses:
        return
    admins = list(
        User.objects.select_for_update()
        .filter(groups__name=TENANT_ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if set(admins) <= {user.pk}:
        what = "deleted" if deleting else "deactivated" if is_active is False else "demoted"
        detail = f"{user.username} is the company's last tenant_admin and cannot be {what}."
        raise Conflict(detail, [("", detail + " Make another user tenant_admin first.")])


def ensure_builtin_roles() -> None:
    """Create the built-in roles in the current schema (idempotent)."""
    for name in BUILTIN_ROLES:
        Group.objects.get_or_create(name=name)


def roles_named(names: Iterable[str], pointer: str) -> list[Group]:
    """The roles of these names, in their order; unknown ones refused at `pointer`/index."""
    names = list(dict.fromkeys(names))
    found = {g.name: g for g in Group.objects.filter(name__in=names)}
    missing = [
        (f"{pointer}/{i}", f"Unknown role {n!r}.") for i, n in enumerate(names) if n not in found
    ]
    if missing:
        raise ProblemError("Unknown roles.", missing)
    return [found[n] for n in names]


@transaction.atomic
def do_create_user(
    *,
    username: str,
    password: str,
    roles: Iterable[str] = (),
    check_strength: bool = True,
    **fields,
) -> User:
    """Create a user with a password and roles (`check_strength=False`: the development
    demo's well-known passwords only)."""
    if User.objects.filter(username=username).exists():
        raise ProblemError("Username taken.", [("/username", "A user with this username exists.")])
    groups = roles_named(roles, "/roles")
    user = User(username=username, **fields)
    if check_strength:
        check_password(password, user)
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
    record("user.created", user, details={"roles": sorted(g.name for g in groups)})
    return user


@transaction.atomic
def do_update_user(user: User, *, password: str | None = None, roles=None, **fields) -> User:
    """Change a user's fields, password or roles."""
    _keep_an_admin(user, roles=roles, is_active=fields.get("is_active"))
    if (
        "username" in fields
        and User.objects.exclude(pk=user.pk).filter(username=fields["username"]).exists()
    ):
        raise ProblemError("Username taken.", [("/username", "A user with this username exists.")])
    before = {key: getattr(user, key) for key in fields}
    old_roles = sorted(user.groups.values_list("name", flat=True)) if roles is not None else None
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        check_password(password, user)
        user.set_password(password)
        # A new password ends the API tokens issued under the old one.
        do_revoke_all(user)
    user.save()
    details: dict = {
        "changed": {k: [before[k], v] for k, v in fields.items() if before[k] != v},
    }
    if password:
        details["password"] = "changed"  # never the password itself
    if roles is not None:
        groups = roles_named(roles, "/roles")
        user.groups.set(groups)
        new_roles = sorted(g.name for g in groups)
        if new_roles != old_roles:
            details["roles"] = [old_roles, new_roles]
    record("user.changed", user, details=details)
    return user


@transaction.atomic
def do_delete_user(user: User) -> None:
    """Delete a user (not the company's last tenant_admin)."""
    _keep_an_admin(user, deleting=True)
    record("user.deleted", user)
    user.delete()


@transaction.atomic
def do_create_role(name: str) -> Group:
    """Create a custom role."""
    if Group.objects.filter(name=name).exists():
        raise ProblemError("Role exists.", [("/name", f"A role named {name!r} exists.")])
    role = Group.objects.create(name=name)
    record("role.created", role, target_type="role")
    return role


@transaction.atomic
def do_delete_role(role: Group) -> None:
    """Delete a custom role; the built-in ones stay."""
    if role.name in BUILTIN_ROLES:
        raise Conflict("Built-in roles cannot be deleted.", [("", f"{role.name} is built in.")])
    record("role.deleted", role, target_type="role")
    role.delete()
