"""Leases renewed while a call is in flight: a worker that dies holding an action gives
it back within LEASE_SECONDS (plus a scheduler sweep), however long its call may take.

A PENDING action's row is due REDELIVER_AFTER seconds after it was handed over. A call
that lasts longer than RENEW_AFTER_SECONDS has its due time pushed LEASE_SECONDS ahead
every RENEW_EVERY_SECONDS by one background thread per worker process, one UPDATE per
company for all its calls in flight; quick calls, nearly all of them, cost no write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from plugins.host import get_host
from plugins.types import TaskEvent

LEASE_SECONDS = 15.0
RENEW_EVERY_SECONDS = 2.0
RENEW_AFTER_SECONDS = 1.0

log = logging.getLogger("ticketflower.actions")
_held: dict[int, tuple[TaskEvent, float]] = {}  # id(event) -> (event, since)
_lock = threading.Lock()
_renewer: threading.Thread | None = None


@contextmanager
def held(event: TaskEvent) -> Iterator[None]:
    """Hold the instance's lease for as long as the block runs."""
    key = id(event)
    with _lock:
        _held[key] = (event, time.monotonic())
        _start_renewer()
    try:
        yield
    finally:
        with _lock:
            _held.pop(key, None)


def _start_renewer() -> None:
    global _renewer
    if _renewer is None or not _renewer.is_alive():
        _renewer = threading.Thread(target=_renew_forever, name="lease-renewer", daemon=True)
        _renewer.start()


def _renew_forever() -> None:
    while True:
        time.sleep(RENEW_EVERY_SECONDS)
        renew_due()


def renew_due(now: float | None = None) -> list[TaskEvent]:
    """Renew the leases of the calls in flight longer than RENEW_AFTER_SECONDS; returns
    them (a failure is logged: the next round tries again, the lease still has time)."""
    now = time.monotonic() if now is None else now
    with _lock:
        due = [event for event, since in _held.values() if now - since >= RENEW_AFTER_SECONDS]
    if due:
        try:
            get_host().renew_leases(due, LEASE_SECONDS)
        except Exception:
            log.warning("renewing %d leases failed; trying again", len(due), exc_info=True)
    return due
