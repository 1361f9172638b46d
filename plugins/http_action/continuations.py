"""The next action of a chain, run by the worker thread that finished the one before it.

A step that completes an action usually starts the next one (A → B → C). Handing that one
to Redis costs a send, a fetch, an acknowledgement and the tenant middleware's lookup,
for work the thread that just committed the step could start at once. So while a worker
thread runs an action, the first action its step starts is kept here, and the same
thread runs it next (plugins/http_action/actors.py).

Nothing is lost by it: the kept task is a PENDING row with its due time, written before
the commit, so a worker that dies before running it leaves it to the scheduler's sweep,
as a lost message would (docs/decision-action-chains.md). Fan-outs stay parallel: only
the first action a step starts is kept, the others go to the queue. And a chain gives its
thread back after MAX_IN_A_ROW actions or MAX_SECONDS, so a long or looping workflow does
not hold a thread while others wait in the queue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from plugins.types import TaskEvent

MAX_IN_A_ROW = 10
# Far below the actor's time limit (180 s) minus the longest call (120 s).
MAX_SECONDS = 30.0

_local = threading.local()


@contextmanager
def collecting() -> Iterator[list[TaskEvent]]:
    """While the block runs an action on this thread, keep the first action its step starts."""
    kept: list[TaskEvent] = []
    previous = getattr(_local, "kept", None)
    _local.kept = kept
    try:
        yield kept
    finally:
        _local.kept = previous


def keep(event: TaskEvent) -> bool:
    """Keep `event` for this thread to run next; False when the thread runs no action, or
    keeps one already (it then goes to the queue)."""
    kept = getattr(_local, "kept", None)
    if kept is None or kept:
        return False
    kept.append(event)
    return True
