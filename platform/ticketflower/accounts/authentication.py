"""API authentication: DRF's tokens, with the user's role names read in the same query."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from ticketflower.accounts.roles import remember_role_names


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; nearly every request then asks for the user's roles,
    so they come with the token and its user (one round trip instead of two)."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        roles = Group.objects.filter(user=OuterRef("user_id")).values("name")
        try:
            token = (
                model.objects.select_related("user")
                .annotate(role_names=ArraySubquery(roles))
                .get(key=key)
            )
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        remember_role_names(token.user, token.role_names)
        return token.user, token
