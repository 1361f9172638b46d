"""kill -9 of the worker in the middle of an action: after a restart the workflow
completes exactly once, with no duplicate iteration (at-least-once delivery + idempotency)."""

from __future__ import annotations

import threading

from tests.actions.support import Worker, wait_for
from tests.actions.test_http_actions import history, order_bundle, submit
from tests.loopback import LoopbackServer, answer
from tests.runs.support import install


def test_worker_killed_mid_action_completes_exactly_once_after_restart(
    committed_tenant, worker_env
):
    first_request = threading.Event()
    release = threading.Event()

    def pricing_behaviour(n, path, body, headers):
        if n == 1:
            first_request.set()
            release.wait(10)  # hold the first attempt while its worker dies
        return 200, {"total": 99}

    worker = Worker(worker_env).start()
    try:
        with (
            LoopbackServer(pricing_behaviour) as pricing,
            LoopbackServer(answer(202, {})) as warehouse,
        ):
            workflow = install(
                committed_tenant, order_bundle(pricing.url, warehouse.url, timeout=20)
            )
            ticket = submit(committed_tenant, workflow, [{"sku": "K"}])
            assert first_request.wait(30), "the worker never sent the action"
            worker.kill9()
            release.set()
            assert history(committed_tenant, ticket)["tasks"][0]["status"] == "PENDING"
            worker = Worker(worker_env).start()
            wait_for(
                lambda: history(committed_tenant, ticket)["tasks"][0]["status"] == "COMPLETED",
                timeout=60,
            )
            # Ship sent and acknowledged: a duplicate delivery of Quote would have shown by now.
            trace = wait_for(
                lambda: (
                    (t := history(committed_tenant, ticket))["tasks"][-1]["status"] == "IN_PROGRESS"
                    and t
                ),
                timeout=30,
            )
        keys = {r["headers"]["Idempotency-Key"] for r in pricing.requests}
    finally:
        worker.stop()
    assert len(pricing.requests) >= 2, "the message was re-delivered after the crash"
    assert len(keys) == 1, "every attempt carries the same idempotency key"
    quote = [it for it in trace["iterations"] if it["source"] == {"task": "Quote"}]
    assert len(quote) == 1
    assert [it["iteration"] for it in trace["iterations"]] == [0, 1]
    assert [(t["task"], t["status"]) for t in trace["tasks"]] == [
        ("Quote", "COMPLETED"),
        ("Ship", "IN_PROGRESS"),
    ]
