"""Resetting a forgotten password (docs/decision-invitations.md): a request names a
username or an email and is always answered the same; each active user it names who has
an address gets a link that works once, for PASSWORD_RESET_TIMEOUT, and only on this
company's host. Django's PasswordResetTokenGenerator makes the token: it stops working
when the password changes (or the user logs in), so a link is single-use without a row.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection, transaction
from django.db.models import Q
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from ticketflower.accounts import services
from ticketflower.accounts.invitations import company_name
from ticketflower.api.errors import ProblemError
from ticketflower.notifications.kinds import Kind
from ticketflower.notifications.publish import queue_email

# What every request is answered, whoever it names (the answer must not tell).
SENT = "If an account with this username or email exists, we sent it a link to set a new password."
INVALID = "This link is invalid, was already used or has expired. Ask for a new one."


class CompanyTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset tokens, bound to the company too: user ids repeat across schemas,
    so a token is also a hash of the schema it was made in."""

    key_salt = "ticketflower.accounts.password_reset"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{connection.schema_name}:{super()._make_hash_value(user, timestamp)}"


tokens = CompanyTokenGenerator()


def reset_path(user: User) -> str:
    """The page of the company's web app that sets a new password for `user`."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/reset/{uid}/{tokens.make_token(user)}/"


def _named_by(login: str) -> list[User]:
    login = login.strip()
    if not login:
        return []
    found = User.objects.filter(is_active=True).filter(
        Q(username=login) | Q(email__iexact=login) if "@" in login else Q(username=login)
    )
    return [user for user in found if user.email and user.has_usable_password()]


@transaction.atomic
def do_request_reset(login: str) -> int:
    """Email a reset link to each active user `login` names (their username, or their
    address: several people may share one); how many (never shown to the asker)."""
    users = _named_by(login)
    for user in users:
        queue_email(
            to=user.email,
            subject=f"Set a new password for {company_name()} on TicketFlower",
            text=(
                f"Someone asked to reset the password of {user.username} at "
                f"{company_name()} on TicketFlower.\n\n"
                "Open the link below to set a new password. It works once, for "
                f"{_duration()}.\n\n"
                "If it was not you, ignore this email: your password stays as it is."
            ),
            kind=Kind.PASSWORD_RESET,
            link=reset_path(user),
        )
    return len(users)


def _duration() -> str:
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return "an hour" if minutes == 60 else f"{minutes} minutes"


def user_of_link(uidb64: str, token: str) -> User | None:
    """The active user a reset link names, if its token is still good."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def do_confirm_reset(uidb64: str, token: str, password: str) -> User:
    """Set the new password a reset link allows (Django's validators, at /password); the
    link then stops working, and so do the user's API tokens."""
    user = user_of_link(uidb64, token)
    if user is not None and not password:
        raise ProblemError("A new password is needed.", [("/password", "This field is required.")])
    if user is None:
        raise ProblemError(INVALID, [("/token", INVALID)])
    # Locked: two uses of one link at once set one password, the other is refused.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not tokens.check_token(user, token):
        raise ProblemError(INVALID, [("/token", INVALID)])
    return services.do_update_user(user, password=password)
