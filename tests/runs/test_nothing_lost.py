"""Nothing lost under faults (docs/decision-nothing-lost.md), with real parts: the test's
Redis broker, a `ticketflower worker`, a `ticketflower scheduler`, loopback stand-ins.

- The broker comes back empty (FLUSHDB: every queued message gone): the scheduler hands
  the waiting actions over again and every workflow completes, each action done once.
- An ASYNC_ACTION whose callback never comes fails at its deadline with a TASK_UPDATE
  error, instead of waiting forever.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import redis
from django_tenants.utils import schema_context

from tests.actions.support import Worker, wait_for
from tests.actions.test_http_actions import history, order_bundle, submit
from tests.loopback import LoopbackServer, answer
from tests.runs.support import install

FAST = {
    "TICKETFLOWER_REDELIVER_AFTER": "1",
    "TICKETFLOWER_REDELIVER_MAX": "2",
    "TICKETFLOWER_SCHEDULER_INTERVAL": "0.3",
}


class Scheduler:
    """`ticketflower scheduler` in its own process (stopped afterwards)."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ticketflower.cli", "scheduler"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(env["WORKER_LOG"], "ab"),
        )  # fmt: skip

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture
def fast_env(worker_env, settings):
    """Workers and scheduler that hand work over again after one second."""
    settings.REDELIVER_AFTER_SECONDS = 1
    settings.REDELIVER_MAX_SECONDS = 2
    return {**worker_env, **FAST}


def _tasks(tenant, title: str):
    from ticketflower.runs.models import TaskInstance

    with schema_context(tenant.slug):
        return list(TaskInstance.objects.filter(task_definition__title=title).order_by("pk"))


def test_actions_lost_with_the_broker_are_handed_over_again_and_done_once(
    committed_tenant, fast_env
):
    pricing_calls: list[str] = []

    def pricing(n, path, body, headers):
        pricing_calls.append(headers.get("Idempotency-Key") or headers.get("idempotency-key"))
        return 200, {"total": 10}

    with LoopbackServer(pricing) as server, LoopbackServer(answer(202, {})) as warehouse:
        workflow = install(committed_tenant, order_bundle(server.url, warehouse.url))
        # No worker yet: the messages wait in Redis, then Redis "comes back empty".
        tickets = [submit(committed_tenant, workflow, [{"sku": f"S{i}"}]) for i in range(5)]
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
        worker = Worker(fast_env).start()
        try:
            quotes = _tasks(committed_tenant, "Quote")
            assert {t.status for t in quotes} == {"PENDING"}
            assert all(t.due_at is not None for t in quotes)  # the row says "look again"
            scheduler = Scheduler(fast_env)
            try:
                wait_for(
                    lambda: all(t.status == "COMPLETED" for t in _tasks(committed_tenant, "Quote")),
                    timeout=60,
                )
            finally:
                scheduler.stop()
        finally:
            worker.stop()
    quotes = _tasks(committed_tenant, "Quote")
    assert all(t.dispatches >= 1 for t in quotes)
    assert all("sent again" in (t.last_failure or "") for t in quotes)
    assert all(t.due_at is None for t in quotes)  # done: nothing to look at again
    # Done once each: one iteration per completion, whatever the redeliveries.
    for ticket in tickets:
        trace = history(committed_tenant, ticket)
        assert [i["source"].get("task") for i in trace["iterations"]].count("Quote") == 1
    assert len(set(pricing_calls)) == 5  # one run each, whatever was sent twice


def test_an_async_action_without_a_callback_fails_at_its_deadline(committed_tenant, fast_env):
    env = {**fast_env, "TICKETFLOWER_CALLBACK_TTL": "2"}
    with (
        LoopbackServer(answer(200, {"total": 3})) as pricing,
        LoopbackServer(answer(202, {"accepted": True})) as warehouse,
    ):
        workflow = install(committed_tenant, order_bundle(pricing.url, warehouse.url))
        ticket = submit(committed_tenant, workflow, [{"sku": "K"}])
        worker = Worker(env).start()
        scheduler = Scheduler(env)
        try:
            ship = wait_for(
                lambda: (t := _tasks(committed_tenant, "Ship")) and t[0].status == "ERROR" and t[0],
                timeout=60,
            )
        finally:
            scheduler.stop()
            worker.stop()
    assert ship.due_at is None
    errors = history(committed_tenant, ticket)["errors"]
    assert [e["type"] for e in errors if "no callback" in e["message"]] == ["TASK_UPDATE"]


def test_an_async_action_waits_for_its_own_deadline_not_the_default(committed_tenant, fast_env):
    """callback_timeout_seconds on the task (2 s) wins over TICKETFLOWER_CALLBACK_TTL (a
    week by default): the task fails then, and its callback URL expired with it."""
    import httpx

    from ticketflower.actions.models import ActionCallback

    urls: list[str] = []

    def warehouse(n, path, body, headers):
        urls.append(headers.get("X-TicketFlower-Callback-URL") or "")
        return 202, {"accepted": True}

    with (
        LoopbackServer(answer(200, {"total": 3})) as pricing,
        LoopbackServer(warehouse) as warehouse_server,
    ):
        bundle = order_bundle(pricing.url, warehouse_server.url)
        bundle["tasks"][1]["callback_timeout_seconds"] = 2
        workflow = install(committed_tenant, bundle)
        exported = committed_tenant.client("designer", "workflow_creator").get(
            f"/api/v1/workflows/{workflow['id']}/bundle/"
        )
        assert exported.json()["tasks"][1]["callback_timeout_seconds"] == 2  # round trip
        ticket = submit(committed_tenant, workflow, [{"sku": "D"}])
        worker = Worker(fast_env).start()
        scheduler = Scheduler(fast_env)
        try:
            ship = wait_for(
                lambda: (t := _tasks(committed_tenant, "Ship")) and t[0].status == "ERROR" and t[0],
                timeout=60,
            )
        finally:
            scheduler.stop()
            worker.stop()
    with schema_context(committed_tenant.slug):
        (callback,) = ActionCallback.objects.filter(task_instance_id=ship.pk)
        assert (callback.expires_at - callback.created_at).total_seconds() < 3
    errors = history(committed_tenant, ticket)["errors"]
    late = [e for e in errors if "no callback" in e["message"]]
    assert [e["type"] for e in late] == ["TASK_UPDATE"]
    assert "(2 s after" in late[0]["message"]
    # The URL the system was given no longer takes an answer.
    from urllib.parse import urlsplit

    url = urlsplit(urls[0])  # the company's host on the test's API server
    answer_ = httpx.post(
        url._replace(netloc=f"127.0.0.1:{url.port}").geturl(),
        json={"shipped": True},
        headers={"Host": url.netloc},
    )
    assert answer_.status_code in (404, 409, 410), answer_.text


def test_work_that_keeps_waiting_becomes_a_ticket_error_once(committed_tenant, settings):
    """No worker at all: each sweep hands the action over again; at the third, the ticket
    admins' queue gets one error saying why it waits."""
    from datetime import timedelta

    from django.utils import timezone

    from ticketflower.runs.models import TicketError
    from ticketflower.runs.redelivery import REPORT_AFTER_DISPATCHES, sweep_company

    with LoopbackServer(answer(200, {"total": 1})) as pricing:
        workflow = install(committed_tenant, order_bundle(pricing.url, pricing.url))
        ticket = submit(committed_tenant, workflow, [{"sku": "W"}])
    try:
        with schema_context(committed_tenant.slug):
            later = timezone.now()
            for sweep in range(REPORT_AFTER_DISPATCHES + 2):
                later += timedelta(hours=1)
                assert sweep_company(later)["redelivered"] == 1
                reported = TicketError.objects.filter(ticket_id=ticket).count()
                assert reported == (1 if sweep + 1 >= REPORT_AFTER_DISPATCHES else 0)
            error = TicketError.objects.get(ticket_id=ticket)
        assert error.error_type == "TASK_UPDATE" and error.task_instance.status == "PENDING"
        assert error.error_message.startswith("still waiting after 3 hand-overs")
    finally:
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # the messages nobody ran


def test_a_long_call_keeps_its_lease_and_is_not_handed_over_again(
    committed_tenant, fast_env, settings
):
    """A call that outlasts the hand-over delay (4 s here) has its lease renewed while in
    flight: the scheduler leaves it alone, and the endpoint is called once."""
    import threading
    import time

    calls: list[float] = []
    release = threading.Event()

    def slow_pricing(n, path, body, headers):
        calls.append(time.monotonic())
        release.wait(15)
        return 200, {"total": 10}

    with LoopbackServer(slow_pricing) as pricing, LoopbackServer(answer(202, {})) as warehouse:
        workflow = install(committed_tenant, order_bundle(pricing.url, warehouse.url, timeout=20))
        env = {**fast_env, "TICKETFLOWER_REDELIVER_AFTER": "4"}
        settings.REDELIVER_AFTER_SECONDS = 4  # the submission, in this process, writes due_at
        worker = Worker(env).start()
        scheduler = Scheduler(env)
        try:
            # Handed over at once (the workers are up): only the call is long.
            log = fast_env["WORKER_LOG"]
            wait_for(lambda: "ready for action" in open(log, errors="replace").read(), 60)
            ticket = submit(committed_tenant, workflow, [{"sku": "L"}])
            wait_for(lambda: calls, timeout=30)
            time.sleep(10)  # two and a half hand-over delays, five lease renewals
            (quote,) = _tasks(committed_tenant, "Quote")
            from django.utils import timezone

            assert quote.status == "PENDING" and quote.due_at > timezone.now()
            release.set()
            wait_for(lambda: _tasks(committed_tenant, "Quote")[0].status == "COMPLETED", 30)
        finally:
            release.set()
            scheduler.stop()
            worker.stop()
    assert len(calls) == 1
    assert _tasks(committed_tenant, "Quote")[0].dispatches == 0
    assert history(committed_tenant, ticket)["status"] != "NOT_STARTED"
