"""Inviting a colleague (docs/decision-invitations.md): a tenant admin names an email and
roles; the colleague gets a single-use link that expires, picks a username and a
password there, and is a user of the company with those roles. No password is ever sent.

The link's token is random; only its SHA-256 is stored, so a database leak gives no
usable link. Each `do_*` is atomic; the email is an outbox row of the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ticketflower.accounts import services
from ticketflower.accounts.models import Invitation, InvitationStatus
from ticketflower.api.errors import Conflict, ProblemError
from ticketflower.audit.trail import record
from ticketflower.notifications.kinds import Kind
from ticketflower.notifications.publish import queue_email


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_path(token: str) -> str:
    """The page of the company's web app that accepts the invitation."""
    return f"/invite/{token}/"


def company_name() -> str:
    tenant = getattr(connection, "tenant", None)
    return getattr(tenant, "name", "") or connection.schema_name


class InvitationUnusable(Exception):
    """The token names no invitation of this company, or one that cannot be used any
    more: `status` says which (unknown, accepted, revoked or expired)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@transaction.atomic
def do_invite(
    *,
    email: str,
    roles: Iterable[str] = (),
    username: str = "",
    invited_by: User | None = None,
) -> Invitation:
    """Invite `email` with `roles`: an invitation row and its email, in one transaction.
    An address that already has an active user is refused at /email; a pending invitation
    of the same address is replaced (its link stops working)."""
    email = email.strip()
    if User.objects.filter(email__iexact=email, is_active=True).exists():
        raise ProblemError(
            "This person is already a user.",
            [("/email", "An active user of the company has this email address.")],
        )
    if username and User.objects.filter(username=username).exists():
        raise ProblemError("Username taken.", [("/username", "A user with this username exists.")])
    groups = services.roles_named(roles, "/roles")
    now = timezone.now()
    replaced = Invitation.objects.select_for_update().filter(
        email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=now
    )
    for old in replaced:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        record("invitation.revoked", old, details={"replaced": True})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        username=username,
        roles=[g.name for g in groups],
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.INVITATION_TTL_SECONDS),
        token_hash=token_hash(token),
    )
    record("invitation.created", invitation, details={"roles": invitation.roles})
    inviter = (invited_by.get_full_name() or invited_by.username) if invited_by else "A colleague"
    roles_text = ", ".join(invitation.roles) or "none yet"
    queue_email(
        to=email,
        subject=f"{inviter} invited you to {company_name()} on TicketFlower",
        text=(
            f"{inviter} invited you to join {company_name()} on TicketFlower "
            f"(roles: {roles_text}).\n\n"
            "Open the link below to choose your username and password. It works once, "
            f"until {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n\n"
            "If you did not expect this invitation, ignore this email."
        ),
        kind=Kind.INVITATION,
        link=invitation_path(token),
    )
    return invitation


@transaction.atomic
def do_revoke_invitation(invitation: Invitation) -> Invitation:
    """Revoke an invitation: its link stops working. An accepted one is refused (409):
    the user it became is changed or deactivated as any user is."""
    row = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if row.accepted_at is not None:
        detail = "This invitation was already accepted."
        raise Conflict(detail, [("", detail + " Deactivate the user instead.")])
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        record("invitation.revoked", row)
    return row


def having_status(invitations: QuerySet[Invitation], status: str) -> QuerySet[Invitation]:
    """The invitations of a status (Invitation.status, in SQL)."""
    pending = Q(accepted_at=None, revoked_at=None)
    return invitations.filter(
        {
            InvitationStatus.ACCEPTED: ~Q(accepted_at=None),
            InvitationStatus.REVOKED: Q(accepted_at=None) & ~Q(revoked_at=None),
            InvitationStatus.EXPIRED: pending & Q(expires_at__lte=timezone.now()),
            InvitationStatus.PENDING: pending & Q(expires_at__gt=timezone.now()),
        }[InvitationStatus(status)]
    )


def usable_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The pending invitation this token opens, or InvitationUnusable."""
    rows = Invitation.objects.select_for_update() if lock else Invitation.objects
    invitation = rows.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationUnusable(invitation.status)
    return invitation


@transaction.atomic
def do_accept_invitation(token: str, *, username: str, password: str) -> User:
    """The colleague accepts: a user with the invitation's email and roles, the username
    and password they chose (Django's validators, at /password). Once: the invitation is
    locked, so two acceptances at once make one user."""
    invitation = usable_invitation(token, lock=True)
    # A role deleted since the invitation is not given (and is no reason to refuse).
    existing = set(Group.objects.filter(name__in=invitation.roles).values_list("name", flat=True))
    roles = [name for name in invitation.roles if name in existing]
    user = services.do_create_user(
        username=username, password=password, roles=roles, email=invitation.email
    )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    record("invitation.accepted", invitation, actor=user, details={"user": user.username})
    return user
