"""Callback tokens and the signing secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ticketflower.actions.models import ActionCallback, SigningSecret

# Per process, by schema: the secret never changes once created (rotation would clear it).
_secrets: dict[str, bytes] = {}


def signing_secret() -> bytes:
    """The current company's signing secret, created on first use."""
    schema = connection.schema_name
    if schema not in _secrets:
        row = SigningSecret.objects.order_by("id").first()
        if row is None:
            row = SigningSecret.objects.create(secret=secrets.token_hex(32))
        _secrets[schema] = row.secret.encode()
    return _secrets[schema]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_callback(task_instance_id: int) -> str:
    """A fresh unguessable callback URL for the task instance (its token is stored hashed)."""
    token = secrets.token_urlsafe(32)
    ActionCallback.objects.create(
        task_instance_id=task_instance_id,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(seconds=settings.ACTION_CALLBACK_TTL_SECONDS),
    )
    return callback_url(token)


def callback_url(token: str) -> str:
    """The absolute URL of a callback token on the current company's host."""
    from tenants.models import Domain

    # The shared domains table is on the search path of every tenant schema.
    domain = (
        Domain.objects.filter(tenant__schema_name=connection.schema_name)
        .order_by("-is_primary", "id")
        .values_list("domain", flat=True)
        .first()
    )
    return settings.ACTION_CALLBACK_URL_TEMPLATE.format(domain=domain, token=token)
