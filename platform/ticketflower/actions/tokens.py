"""Callback tokens and the signing secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ticketflower.actions.models import ActionCallback, SigningSecret

# Secrets by company id. Ids are never reused, unlike schema names (a deleted company's
# slug can come back), and a company's secret never changes once created.
_secrets: dict[int, bytes] = {}


def signing_secret() -> bytes:
    """The current company's signing secret, created on first use.

    Cached per process by the company's id when the connection's tenant is a company row
    (requests, worker messages) and no transaction could still roll the row back; read
    otherwise. There is no rotation: a secret, once created, is the company's for good.
    Row 1 is the secret, so two processes creating it at once agree on one.
    """
    company_id = getattr(connection.tenant, "pk", None)
    if company_id is not None and company_id in _secrets:
        return _secrets[company_id]
    row = SigningSecret.objects.filter(pk=1).first()
    if row is None:
        with transaction.atomic():
            SigningSecret.objects.bulk_create(
                [SigningSecret(pk=1, secret=secrets.token_hex(32))], ignore_conflicts=True
            )
        row = SigningSecret.objects.get(pk=1)
    secret = row.secret.encode()
    if company_id is not None and not connection.in_atomic_block:
        _secrets[company_id] = secret
    return secret


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_callback(task_instance_id: int, run: int) -> str:
    """A fresh unguessable callback URL for one run of the task instance (the `run` of
    its task context); the token is stored hashed."""
    from ticketflower.definitions.models import TaskDefinition

    # The URL expires with the task's deadline (the scheduler fails the task then).
    deadline = (
        TaskDefinition.objects.filter(instances__pk=task_instance_id)
        .values_list("callback_timeout_seconds", flat=True)
        .first()
    ) or settings.ACTION_CALLBACK_TTL_SECONDS
    token = secrets.token_urlsafe(32)
    ActionCallback.objects.create(
        task_instance_id=task_instance_id,
        run=run,
        token_hash=token_hash(token),
        expires_at=timezone.now() + timedelta(seconds=deadline),
    )
    return callback_url(token)


def callback_url(token: str) -> str:
    """The absolute URL of a callback token on the current company's host."""
    from ticketflower.companies.lookups import primary_domain

    return settings.ACTION_CALLBACK_URL_TEMPLATE.format(domain=primary_domain(), token=token)
