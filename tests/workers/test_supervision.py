"""`ticketflower worker` keeps its workers running: a worker process killed with -9 makes
Dramatiq exit, and the command starts it again and says so; work goes on."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil

from tests.actions.support import Worker, wait_for
from tests.actions.test_http_actions import history, order_bundle, submit
from tests.loopback import LoopbackServer, answer
from tests.runs.support import install


def _dramatiq(worker: Worker) -> psutil.Process | None:
    """The Dramatiq parent process under the supervising command, once it runs."""
    children = psutil.Process(worker.proc.pid).children()
    return children[0] if children else None


def test_a_worker_killed_with_kill_9_is_started_again(committed_tenant, worker_env):
    worker = Worker(worker_env).start()
    try:
        first = wait_for(lambda: (d := _dramatiq(worker)) and d.children() and d, timeout=30)
        os.kill(first.children()[0].pid, signal.SIGKILL)
        second = wait_for(
            lambda: (d := _dramatiq(worker)) and d.pid != first.pid and d.children() and d,
            timeout=60,
        )
        assert worker.proc.poll() is None  # the command itself kept running
        assert "starting them again" in Path(worker_env["WORKER_LOG"]).read_text()
        with (
            LoopbackServer(answer(200, {"total": 4})) as pricing,
            LoopbackServer(answer(202, {})) as warehouse,
        ):
            workflow = install(committed_tenant, order_bundle(pricing.url, warehouse.url))
            ticket = submit(committed_tenant, workflow, [{"sku": "A"}])
            wait_for(
                lambda: history(committed_tenant, ticket)["tasks"][0]["status"] == "COMPLETED",
                timeout=60,
            )
        assert second.is_running()
    finally:
        worker.stop()
