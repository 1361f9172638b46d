"""A hanging endpoint holds at most its share of the workers' threads: work for other
destinations goes on meanwhile (docs/decision-nothing-lost.md, "Isolation")."""

from __future__ import annotations

import threading
import time

from tests.actions.support import Worker, wait_for
from tests.actions.test_http_actions import history, order_bundle, submit
from tests.loopback import LoopbackServer, answer
from tests.runs.support import install


def test_a_hanging_destination_does_not_hold_every_worker_thread(committed_tenant, worker_env):
    release = threading.Event()

    def hang(n, path, body, headers):
        release.wait(30)
        return 200, {"total": 1}

    env = {**worker_env, "TICKETFLOWER_ACTION_PER_DESTINATION": "1"}  # 2 threads, 1 each
    with (
        LoopbackServer(hang) as slow,
        LoopbackServer(answer(200, {"total": 2})) as fast,
        LoopbackServer(answer(202, {})) as warehouse,
    ):
        stuck = install(committed_tenant, order_bundle(slow.url, warehouse.url, timeout=40))
        waiting = [submit(committed_tenant, stuck, [{"sku": f"S{i}"}]) for i in range(4)]
        bundle = order_bundle(fast.url, warehouse.url)
        bundle["workflow"]["title"] = "Fast orders"
        quick = install(committed_tenant, bundle)
        worker = Worker(env).start()
        try:
            wait_for(lambda: len(slow.requests) >= 1, timeout=30)
            start = time.monotonic()
            done = [submit(committed_tenant, quick, [{"sku": f"F{i}"}]) for i in range(3)]
            for ticket in done:
                wait_for(
                    lambda t=ticket: (
                        history(committed_tenant, t)["tasks"][0]["status"] == "COMPLETED"
                    ),
                    timeout=20,
                )
            took = time.monotonic() - start
            # Meanwhile the slow destination was called once at a time, never more.
            assert len(slow.requests) == 1
            statuses = {history(committed_tenant, t)["tasks"][0]["status"] for t in waiting}
            assert statuses == {"PENDING"}
            release.set()
            for ticket in waiting:
                wait_for(
                    lambda t=ticket: (
                        history(committed_tenant, t)["tasks"][0]["status"] == "COMPLETED"
                    ),
                    timeout=60,
                )
        finally:
            release.set()
            worker.stop()
    assert took < 20
