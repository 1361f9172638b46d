"""One HTTP call of an action task, and what its outcome means for the task.

Outcomes: `ok` (2xx with a JSON or empty body), `retry` (timeout, connection error,
5xx: worth trying again with backoff) and `fail` (4xx, a refused destination, a body
that is not JSON: trying again would not help).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

import httpx

from plugins.http_action.destinations import (
    DestinationRefused,
    DestinationUnresolved,
    Network,
    check_destination,
    pinned,
)
from plugins.http_action.signing import IDEMPOTENCY_HEADER, signature_headers

USER_AGENT = "TicketFlower-Actions/1"
MAX_ANSWER_BYTES = 1024 * 1024


_shared: httpx.Client | None = None
_shared_lock = threading.Lock()


class _NoCookies(CookieJar):
    """A jar that keeps nothing: one client makes every company's calls, so a cookie an
    answer sets must not go with the next call to that host (another company's, maybe).
    Also spares each call the parsing of Set-Cookie headers."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Any) -> None:
        return None


def shared_client() -> httpx.Client:
    """One client per process: thread-safe, keeps connections alive, and builds its SSL
    context once (building one per call cost ~25 ms of CPU per action: docs/benchmarks.md)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = httpx.Client(
                cookies=_NoCookies(),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
        return _shared


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok, retry, fail
    message: str = ""
    answer: dict[str, Any] = field(default_factory=dict)


def call(
    url: str,
    payload: Any,
    *,
    secret: bytes,
    idempotency_key: str,
    timeout: float,
    allowed: list[Network] | None = None,
    allow_all: bool = False,
    extra_headers: dict[str, str] | None = None,
    client: httpx.Client | None = None,
) -> Outcome:
    """POST `payload` as signed JSON to `url` and classify the answer."""
    try:
        addresses = check_destination(url, allowed=allowed or (), allow_all=allow_all)
    except DestinationRefused as exc:
        return Outcome("fail", str(exc))
    except DestinationUnresolved as exc:
        return Outcome("retry", str(exc))
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        IDEMPOTENCY_HEADER: idempotency_key,
        **signature_headers(secret, int(time.time()), body),
        **(extra_headers or {}),
    }
    client = client or shared_client()
    try:
        response, content, too_large = _post(client, url, addresses, body, headers, timeout)
    except httpx.TimeoutException:
        return Outcome("retry", f"no answer from {url} within {timeout:g} s")
    except httpx.TransportError as exc:
        return Outcome("retry", f"cannot reach {url}: {exc.__class__.__name__}: {exc}")
    status = response.status_code
    if status >= 500:
        return Outcome("retry", f"{url} answered {status}")
    text = content[:500].decode("utf-8", errors="replace")
    if not 200 <= status < 300:
        return Outcome("fail", f"{url} answered {status}: {text}")
    if too_large:
        return Outcome("fail", f"{url} answered more than {MAX_ANSWER_BYTES} bytes")
    try:
        parsed = json.loads(content) if content else None
    except ValueError:
        return Outcome("fail", f"{url} answered {status} with a body that is not JSON")
    answer = {"status": status, "headers": dict(response.headers), "body": parsed}
    return Outcome("ok", answer=answer)


def _post(
    client: httpx.Client,
    url: str,
    addresses: list[str],
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> tuple[httpx.Response, bytes, bool]:
    """POST to the addresses just checked, not to whatever the name resolves to a moment
    later; the next one only when connecting fails, as a resolver-driven connect would."""
    candidates: list[str | None] = [*addresses] or [None]
    for address in candidates[:-1]:
        try:
            return _post_to(client, url, address, body, headers, timeout)
        except httpx.ConnectError:
            continue
    return _post_to(client, url, candidates[-1], body, headers, timeout)


def _post_to(
    client: httpx.Client,
    url: str,
    address: str | None,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> tuple[httpx.Response, bytes, bool]:
    target, host, extensions = pinned(url, address)
    # Streamed, so that an answer is never read past MAX_ANSWER_BYTES into memory.
    with client.stream(
        "POST",
        target,
        content=body,
        headers={**headers, **host},
        timeout=timeout,
        extensions=extensions,
    ) as response:
        content, too_large = _read_at_most(response, MAX_ANSWER_BYTES)
    return response, content, too_large


def _read_at_most(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The body up to `limit` bytes, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
    return b"".join(chunks), False
