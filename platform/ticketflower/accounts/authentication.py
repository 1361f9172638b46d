"""API authentication: DRF's tokens, with the user's role names read in the same query."""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ticketflower.accounts.roles import remember_role_names
from ticketflower.postgresql import rows


@cache
def _token_sql(token_model: type) -> str:
    """The token's user and the user's role names, by key: one query, in SQL written once
    (postgresql/rows.py; compiling the ORM's version cost more than running it)."""
    user_model = get_user_model()
    memberships = rows.table(user_model.groups.through)
    return (
        f"SELECT {rows.select_list(user_model, 'u')},"
        f" ARRAY(SELECT g.name FROM {rows.table(Group)} g"
        f"   JOIN {memberships} m ON m.group_id = g.id WHERE m.user_id = u.id)"
        f" FROM {rows.table(token_model)} k JOIN {rows.table(user_model)} u ON u.id = k.user_id"
        " WHERE k.key = %s"
    )


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; nearly every request then asks for the user's roles,
    so they come with the token and its user (one round trip instead of two)."""

    def authenticate_credentials(self, key):
        if "\x00" in key:  # PostgreSQL refuses NUL in text: no key holds one
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        with connection.cursor() as cursor:
            cursor.execute(_token_sql(self.get_model()), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        *columns, role_names = row
        user = rows.from_row(get_user_model(), columns)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_role_names(user, role_names)
        token = rows.partial(self.get_model(), key=key, user_id=user.pk)
        token.user = user
        return user, token
