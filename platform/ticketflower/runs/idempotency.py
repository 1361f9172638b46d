"""Creating requests made safe to retry: the `Idempotency-Key` header
(docs/decision-idempotent-submission.md).

A client that timed out does not know whether its ticket was created; it sends the same
request with the same key again and gets the first answer, and nothing is created twice.
The key is claimed in the same transaction as the work: a concurrent retry waits on the
key's unique index until the first commits, then replays its answer; a first attempt
that failed leaves no key behind, so a retry does the work.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from ticketflower.api.errors import ProblemError
from ticketflower.runs.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def once(
    key: str | None,
    user: Any,
    operation: str,
    body: Any,
    work: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """(status, response body) of `work()`, done once per (user, operation, key); a
    repeat with the same body replays the first answer, with another body is refused."""
    if key is None:
        return work()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ProblemError(
            "Bad Idempotency-Key.", [("", f"The key must be 1 to {MAX_KEY_LENGTH} characters.")]
        )
    user_id = getattr(user, "pk", None)
    digest = _hash(body)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: only the claim fails on a taken key
                claim = IdempotentRequest.objects.create(
                    key=key, user_id=user_id, operation=operation, request_hash=digest
                )
        except IntegrityError:
            claim = None  # an earlier request's (committed, or committing: we waited)
        if claim is not None:
            status, response = work()
            claim.status_code, claim.response = status, response
            claim.save(update_fields=["status_code", "response"])
            return status, response
    first = IdempotentRequest.objects.get(user_id=user_id, operation=operation, key=key)
    if first.request_hash != digest:
        raise ProblemError(
            "This Idempotency-Key was used for another request.",
            [("", "Send a new key for a new request; a retry repeats the same body.")],
            status_code=422,
        )
    return first.status_code or 200, first.response
