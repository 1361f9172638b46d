"""Issuing, finding and revoking API tokens (docs/decision-api-tokens.md)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from ticketflower.accounts.models import ApiToken

# A token's expiry slides on use, written at most this often (not one UPDATE a request).
TOUCH_EVERY = timedelta(hours=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token of `user`; returns it and its key (shown once, never stored)."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        key_hash=key_hash(key),
        prefix=key[:8],
        name=name[:100],
        expires_at=timezone.now() + timedelta(seconds=settings.TOKEN_TTL_SECONDS),
    )
    return token, key


def touch(token_id: int, last_used_at) -> None:
    """A token was used: its expiry slides (at most once per TOUCH_EVERY)."""
    now = timezone.now()
    if last_used_at is None or now - last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token_id).update(
            last_used_at=now, expires_at=now + timedelta(seconds=settings.TOKEN_TTL_SECONDS)
        )


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now())


def do_revoke_token(token_id: int, user: User) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs (or gone)."""
    return ApiToken.objects.filter(pk=token_id, user=user).delete()[0] > 0


def do_revoke_all(user: User) -> int:
    """Revoke every token of a user (a new password ends them)."""
    return ApiToken.objects.filter(user=user).delete()[0]
