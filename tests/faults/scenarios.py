"""The faults of issue "Nothing lost under faults", each played against a running `Stack`
under a load: the load starts, the fault strikes a third of the way in, the part comes
back, the load ends, and what became of every submitted workflow is counted.

Used by tests/faults/test_faults.py (a small load, asserted on) and bench/faults.py
(the issue's 600 workflows, reported in docs/reliability.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.faults.stack import Load, Outcome, Stack

OUTAGE_SECONDS = 10.0


@dataclass
class Played:
    """What a fault's run measured."""

    fault: str
    outcome: Outcome
    answers: dict[str, int]
    refusals: list[str]
    tickets_created: int
    recovery_seconds: float  # from the part's return until its backlog had ended
    extra: dict[str, Any] = field(default_factory=dict)
    load: Load | None = None

    def row(self) -> dict[str, Any]:
        return {
            "fault": self.fault, **self.outcome.row(),
            "tickets created twice": self.tickets_created - self.outcome.submitted,
            "recovery s": round(self.recovery_seconds, 1),
            "answers": dict(self.answers), **self.extra,
        }  # fmt: skip


def _redis_killed(stack: Stack, extra: dict) -> None:
    stack.kill_redis()
    time.sleep(OUTAGE_SECONDS)
    stack.start_redis()  # empty: it kept nothing


def _postgres_stopped(stack: Stack, extra: dict) -> None:
    stack.stop_database()
    stopped = time.monotonic()
    extra["submission during the outage"] = stack.get("/readyz")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
    stack.start_database()


def _worker_killed(stack: Stack, extra: dict) -> None:
    # Mid-action: the stand-ins take 0.3 s per call meanwhile, so calls are in flight.
    stack.stand_ins.delay = 0.3
    time.sleep(1.0)
    extra["killed pid"] = stack.kill_a_worker_process()
    time.sleep(2.0)
    stack.stand_ins.delay = 0.05


def _api_killed(stack: Stack, extra: dict) -> None:
    stack.kill_api()
    time.sleep(1.0)
    stack.start_api()


def _endpoint_hangs(stack: Stack, extra: dict) -> None:
    """One destination hangs: the workflows of the others go on meanwhile."""
    stack.slow.hang.set()
    started = time.time()
    time.sleep(OUTAGE_SECONDS)
    extra["hang"] = (started, time.time())
    stack.slow.hang.clear()


def _callback_never_comes(stack: Stack, extra: dict) -> None:
    stack.stand_ins.silent.set()
    time.sleep(OUTAGE_SECONDS / 2)
    stack.stand_ins.silent.clear()


@dataclass(frozen=True)
class Fault:
    name: str
    kinds: tuple[str, ...]
    strike: Callable[[Stack, dict], None]


FAULTS = {
    fault.name: fault
    for fault in (
        Fault("Redis killed for 10 s (comes back empty)", ("Chain", "Ship"), _redis_killed),
        Fault("PostgreSQL stopped for 10 s", ("Chain", "Ship"), _postgres_stopped),
        Fault("a worker process killed with -9 mid-action", ("Chain", "Ship"), _worker_killed),
        Fault("the API server killed with -9", ("Chain", "Ship"), _api_killed),
        Fault("one endpoint hangs for 10 s", ("Chain", "Ship", "Slow"), _endpoint_hangs),
        Fault("callbacks that never come (5 s)", ("Ship",), _callback_never_comes),
    )
}


def play(stack: Stack, name: str, count: int, seconds: float, settle_timeout: float = 300):
    """Play one fault under `count` workflows spread over `seconds`."""
    fault = FAULTS[name]
    before = stack.outcome({}).tickets_total
    extra: dict[str, Any] = {}
    prefix = f"{name.split()[0].lower()}-{time.time_ns()}"
    with Load(stack, list(fault.kinds), count, seconds, prefix=prefix) as load:
        time.sleep(seconds / 3)
        fault.strike(stack, extra)
        back, back_wall = time.monotonic(), time.time()
    extra["load ended s after the part's return"] = round(time.monotonic() - back, 1)
    outcome, _ = stack.settle(load.keys, settle_timeout)
    extra["all ended s after the part's return"] = round(time.monotonic() - back, 1)
    recovery = stack.backlog_cleared(load.keys, back_wall)
    created = stack.outcome({}).tickets_total - before
    if "hang" in extra:
        extra["others during the hang"] = stack.done_during(load.keys, *extra.pop("hang"))
    return Played(name, outcome, dict(load.answers), load.refusals, created, recovery, extra, load)
