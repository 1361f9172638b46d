"""Signatures of outbound action requests: HMAC-SHA256 over a timestamp and the body.

Headers sent with every request (docs/action-signing.md shows a receiver's check):
    X-TicketFlower-Timestamp: <unix seconds>
    X-TicketFlower-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-TicketFlower-Timestamp"
SIGNATURE_HEADER = "X-TicketFlower-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The v1 signature of a body sent at `timestamp`."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signature_headers(secret: bytes, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers that sign a request."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: bytes, timestamp: str, body: bytes, received: str, *, now: int, tolerance: int = 300
) -> bool:
    """A receiver's check: the signature matches and the timestamp is fresh (constant time)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), received or "")
