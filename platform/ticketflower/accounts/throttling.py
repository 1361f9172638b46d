"""Failed logins counted per client address and per company + username, in Redis, so
that guessing passwords is slow and a flood of tries cannot hold every server's CPU
(each try costs a password hash): docs/decision-login-protection.md. Password reset
requests are counted the same way (every request, per client address and per company +
login), so that nobody floods a person's inbox: docs/decision-invitations.md.

Fixed windows of LOGIN_FAILURE_WINDOW_SECONDS. Past the limit, a login is refused before
its password is even hashed. Redis unreachable: logins are not blocked (they are still
answered; the database is what they need).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest

log = logging.getLogger("ticketflower.accounts")


def _window(seconds: int | None = None) -> tuple[int, int]:
    """The current fixed window's number and the seconds left in it (windows of
    `seconds`, by default LOGIN_FAILURE_WINDOW_SECONDS)."""
    window = seconds or settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    return int(now // window), max(1, int(window - now % window))


def client_address(request: HttpRequest) -> str:
    """The client's address: the peer's, unless the peer is a proxy we trust
    (TICKETFLOWER_TRUSTED_PROXIES); then the last address of X-Forwarded-For that is not
    one of ours (a client may put anything before it, not after)."""
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if hop not in trusted:
            return hop
    return peer


def _keys(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    number, _ = _window()
    address = client_address(request)
    schema = getattr(connection, "schema_name", "public")
    name = username.lower()[:150]
    return [
        (f"login-fail:{number}:addr:{address}", settings.LOGIN_FAILURES_PER_ADDRESS),
        (f"login-fail:{number}:user:{schema}:{name}", settings.LOGIN_FAILURES_PER_USERNAME),
    ]


def seconds_to_wait(request: HttpRequest, username: str) -> int | None:
    """How long this client must wait before trying again, or None when it may try."""
    keys = _keys(request, username)
    try:
        counts = caches["counters"].get_many([key for key, _ in keys])
    except Exception:  # noqa: BLE001 - Redis down: do not lock everyone out
        log.warning("login counters unreachable", exc_info=True)
        return None
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        return _window()[1]
    return None


def record_failure(request: HttpRequest, username: str) -> None:
    """Count one failed login for the client's address and for the username (INCR:
    concurrent tries are all counted)."""
    counters = caches["counters"]
    _, left = _window()
    try:
        for key, _ in _keys(request, username):
            counters.add(key, 0, timeout=left + 1)
            counters.incr(key)
    except Exception:  # noqa: BLE001
        log.warning("login counters unreachable", exc_info=True)


def forget(request: HttpRequest, username: str) -> None:
    """A successful login clears its username's count (not its address's)."""
    try:
        caches["counters"].delete(_keys(request, username)[1][0])
    except Exception:  # noqa: BLE001
        log.warning("login counters unreachable", exc_info=True)


class LoginThrottled(Exception):
    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many failed logins: try again in {wait} s.")
        self.wait = wait


def log_in(request: HttpRequest, username: str, password: str):
    """The user these credentials name, or None; LoginThrottled when this client or this
    username failed too often lately (the password is then not even checked)."""
    from django.contrib.auth import authenticate

    wait = seconds_to_wait(request, username)
    if wait is not None:
        raise LoginThrottled(wait)
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_failure(request, username)
        return None
    forget(request, username)
    return user


def password_reset_wait(request: HttpRequest, login: str) -> int | None:
    """Count one password reset request, for the client's address and for the company +
    login it names; how long to wait when either is past its limit (None: go ahead).
    Counted whether or not the login names anyone: the answer must not tell."""
    number, left = _window(settings.PASSWORD_RESET_WINDOW_SECONDS)
    schema = getattr(connection, "schema_name", "public")
    keys = [
        (f"reset:{number}:addr:{client_address(request)}", settings.PASSWORD_RESETS_PER_ADDRESS),
        (
            f"reset:{number}:login:{schema}:{login.lower()[:254]}",
            settings.PASSWORD_RESETS_PER_LOGIN,
        ),
    ]
    counters = caches["counters"]
    try:
        counts = []
        for key, _ in keys:
            counters.add(key, 0, timeout=left + 1)
            counts.append(counters.incr(key))
    except Exception:  # noqa: BLE001 - Redis down: answer (the database is what it needs)
        log.warning("password reset counters unreachable", exc_info=True)
        return None
    if any(count > limit for count, (_, limit) in zip(counts, keys, strict=True)):
        return left
    return None
