"""API authentication: `Authorization: Token KEY`, KEY one of the user's API tokens
(accounts/models.py: stored hashed, expiring), with the user's role names read in the
same query."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ticketflower.accounts import tokens
from ticketflower.accounts.models import ApiToken
from ticketflower.accounts.roles import remember_role_names
from ticketflower.postgresql import rows


@cache
def _token_sql() -> str:
    """The token's id and last use, its user and the user's role names, by key hash: one
    query, in SQL written once (postgresql/rows.py)."""
    user_model = get_user_model()
    memberships = rows.table(user_model.groups.through)
    return (
        f"SELECT k.id, k.last_used_at, {rows.select_list(user_model, 'u')},"
        f" ARRAY(SELECT g.name FROM {rows.table(Group)} g"
        f"   JOIN {memberships} m ON m.group_id = g.id WHERE m.user_id = u.id)"
        f" FROM {rows.table(ApiToken)} k JOIN {rows.table(user_model)} u ON u.id = k.user_id"
        " WHERE k.key_hash = %s AND k.expires_at > now()"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; nearly every request then asks for the user's roles,
    so they come with the token and its user (one round trip instead of two)."""

    def authenticate_credentials(self, key):
        if "\x00" in key:  # PostgreSQL refuses NUL in text: no key holds one
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(), [tokens.key_hash(key)])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        token_id, last_used_at, *columns, role_names = row
        user = rows.from_row(get_user_model(), columns)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_role_names(user, role_names)
        tokens.touch(token_id, last_used_at)
        token = rows.partial(ApiToken, id=token_id, user_id=user.pk, last_used_at=last_used_at)
        token.user = user
        return user, token
