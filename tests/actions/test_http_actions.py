"""SYNC_ACTION and ASYNC_ACTION end to end: API → PostgreSQL → Redis → a real worker
process → real HTTP servers on loopback → (callback) → API."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.actions.support import wait_for
from tests.loopback import LoopbackServer, answer, fail_then, slow
from tests.runs.support import install

CALLBACK = "x-ticketflower-callback-url"


def order_bundle(pricing: str, warehouse: str, timeout: int = 2) -> dict:
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "Order", "fields_schema": {"type": "object", "properties": {
            "items": {"type": "array"}, "quote": {"type": "number"},
            "shipped": {"type": "boolean"}}}},
        "tasks": [
            {"title": "Quote", "task_type": "SYNC_ACTION", "input_fields": ["items"],
             "output_fields": ["quote"], "action_url": pricing + "/quote",
             "timeout_seconds": timeout, "input_transform": {"lines": {"var": "items"}},
             "output_transform": {"quote": {"var": "body.total"}}},
            {"title": "Ship", "task_type": "ASYNC_ACTION", "input_fields": ["quote"],
             "output_fields": ["shipped"], "action_url": warehouse + "/ship"},
        ],
        "completions": [{"title": "Delivered", "completion_status": "COMPLETED",
                         "fields": ["shipped"], "condition": {"==": [{"var": "shipped"}, True]}}],
        "tickets": [{"title": "Order", "fields": ["items"], "company_role_access": ["sales"]}],
    }  # fmt: skip


def call_back_later(body, delay=0.2, store=None):
    """A warehouse that acknowledges, then posts `body` to the callback URL."""

    def behaviour(n, path, request, headers):
        url = {k.lower(): v for k, v in headers.items()}[CALLBACK]

        def post():
            time.sleep(delay)
            parts = urlsplit(url)
            result = httpx.post(
                f"http://127.0.0.1:{parts.port}{parts.path}",
                json=body,
                headers={"Host": f"{parts.hostname}:{parts.port}"},
                timeout=10,
            )
            if store is not None:
                store.append((url, result.status_code, result.json()))

        threading.Thread(target=post, daemon=True).start()
        return 202, {"accepted": True}

    return behaviour


def submit(tenant, workflow, items):
    client = tenant.client("sam", "sales")
    ticket_definition = workflow["tickets"][0]["id"]
    answer_ = client.post(
        "/api/v1/tickets/",
        {"ticket_definition": ticket_definition, "fields": {"items": items}},
        format="json",
    )
    assert answer_.status_code == 201, answer_.json()
    return answer_.json()["id"]


def history(tenant, ticket_id):
    return tenant.client("boss", "ticket_admin").get(f"/api/v1/tickets/{ticket_id}/history/").json()


def settled(tenant, ticket_id, statuses=("COMPLETED", "CANCELLED", "ON_HOLD")):
    def check():
        trace = history(tenant, ticket_id)
        return trace if trace["status"] in statuses else None

    return wait_for(check, timeout=40)


def run_order(tenant, pricing, warehouse, items, **bundle):
    """The order workflow against stand-ins with these behaviours, run until it settles:
    (trace, pricing server, warehouse server); the servers' requests stay readable."""
    with LoopbackServer(pricing) as pricing_server, LoopbackServer(warehouse) as warehouse_server:
        workflow = install(tenant, order_bundle(pricing_server.url, warehouse_server.url, **bundle))
        trace = settled(tenant, submit(tenant, workflow, items))
    return trace, pricing_server, warehouse_server


def test_sync_then_async_action_complete_the_workflow(committed_tenant, worker):
    callbacks = []
    trace, pricing, warehouse = run_order(
        committed_tenant,
        answer(200, {"total": 250}),
        call_back_later({"shipped": True}, store=callbacks),
        [{"sku": "A", "qty": 2}],
    )
    assert trace["status"] == "COMPLETED", trace
    assert trace["completion"] == "Delivered"
    assert [it["iteration"] for it in trace["iterations"]] == [0, 1, 2]
    assert trace["iterations"][-1]["data"] == {
        "items": [{"sku": "A", "qty": 2}],
        "quote": 250,
        "shipped": True,
    }
    assert [(t["task"], t["status"]) for t in trace["tasks"]] == [
        ("Quote", "COMPLETED"),
        ("Ship", "COMPLETED"),
    ]
    assert pricing.requests[0]["body"] == {"lines": [{"sku": "A", "qty": 2}]}
    assert warehouse.requests[0]["body"] == {"quote": 250}
    assert callbacks[0][1] == 200
    # The callback URL is single-use.
    url = urlsplit(callbacks[0][0])
    again = httpx.post(
        f"http://127.0.0.1:{url.port}{url.path}",
        json={"shipped": True},
        headers={"Host": f"{url.hostname}:{url.port}"},
    )
    assert again.status_code == 409
    unknown = httpx.post(
        f"http://127.0.0.1:{url.port}/api/v1/callbacks/not-a-token/",
        json={},
        headers={"Host": f"{url.hostname}:{url.port}"},
    )
    assert unknown.status_code == 404


def test_4xx_answer_puts_the_task_in_error_with_a_task_update_error(committed_tenant, worker):
    trace, pricing, warehouse = run_order(
        committed_tenant, answer(422, {"error": "unknown sku"}), answer(202, {}), [{"sku": "?"}]
    )
    assert trace["status"] == "ON_HOLD"
    assert trace["tasks"][0]["status"] == "ERROR"
    update = [e for e in trace["errors"] if e["type"] == "TASK_UPDATE"]
    assert update and "422" in update[0]["message"] and "unknown sku" in update[0]["message"]
    assert len(pricing.requests) == 1, "a 4xx is not retried"


def test_5xx_is_retried_with_the_same_idempotency_key_until_it_succeeds(committed_tenant, worker):
    trace, pricing, warehouse = run_order(
        committed_tenant,
        fail_then(2, 200, {"total": 80}),
        call_back_later({"shipped": True}),
        [{"sku": "B"}],
    )
    assert trace["status"] == "COMPLETED", trace
    keys = {r["headers"]["Idempotency-Key"] for r in pricing.requests}
    assert len(pricing.requests) == 3 and len(keys) == 1


def test_timeouts_exhaust_the_retries_then_the_task_errors(committed_tenant, worker):
    trace, pricing, warehouse = run_order(
        committed_tenant, slow(3.0, 200, {"total": 1}), answer(202, {}), [{"sku": "C"}], timeout=1
    )
    assert trace["tasks"][0]["status"] == "ERROR"
    message = [e for e in trace["errors"] if e["type"] == "TASK_UPDATE"][0]["message"]
    assert "within 1 s" in message and "3 attempts" in message


def test_private_destination_is_refused_without_sending_anything(committed_tenant, worker):
    workflow = install(committed_tenant, order_bundle("http://10.255.255.1", "http://10.255.255.2"))
    ticket = submit(committed_tenant, workflow, [{"sku": "D"}])
    trace = settled(committed_tenant, ticket)
    assert trace["tasks"][0]["status"] == "ERROR"
    message = [e for e in trace["errors"] if e["type"] == "TASK_UPDATE"][0]["message"]
    assert "private, loopback or link-local" in message


def test_invalid_callback_body_errors_the_task_and_is_refused(committed_tenant, worker):
    results = []
    trace, pricing, warehouse = run_order(
        committed_tenant,
        answer(200, {"total": 5}),
        call_back_later({"shipped": "yes"}, store=results),
        [{"sku": "E"}],
    )
    assert results[0][1] == 400
    assert results[0][2]["errors"][0]["pointer"].endswith("shipped")
    assert trace["tasks"][1]["status"] == "ERROR"
    assert any("bad callback" in e["message"] for e in trace["errors"])


@pytest.mark.parametrize("copies", [2])
def test_duplicate_delivery_completes_once(committed_tenant, worker, copies):
    from dataclasses import asdict

    from django_tenants.utils import schema_context

    from plugins.http_action.actors import run_action
    from ticketflower.runs.models import TaskInstance
    from ticketflower.runs.notifications import event_for

    with (
        LoopbackServer(slow(0.5, 200, {"total": 7})) as pricing,
        LoopbackServer(answer(202, {})) as warehouse,
    ):
        workflow = install(committed_tenant, order_bundle(pricing.url, warehouse.url))
        ticket = submit(committed_tenant, workflow, [{"sku": "F"}])
        with schema_context(committed_tenant.slug):
            task = TaskInstance.objects.select_related("task_definition").get(
                workflow_instance__ticket__id=ticket, task_definition__title="Quote"
            )
            for _ in range(copies):
                run_action.send_with_options(args=(asdict(event_for(task)),))
        wait_for(lambda: history(committed_tenant, ticket)["tasks"][0]["status"] == "COMPLETED")
        time.sleep(1.5)  # let the duplicates finish
        trace = history(committed_tenant, ticket)
    quote_iterations = [it for it in trace["iterations"] if it["source"] == {"task": "Quote"}]
    assert len(quote_iterations) == 1
    assert [it["iteration"] for it in trace["iterations"]] == list(range(len(trace["iterations"])))


def test_answer_breaking_the_output_schema_errors_the_task_without_retrying(
    committed_tenant, worker
):
    trace, pricing, warehouse = run_order(
        committed_tenant, answer(200, {"total": "a lot"}), answer(202, {}), [{"sku": "G"}]
    )
    assert trace["status"] == "ON_HOLD"
    assert trace["tasks"][0]["status"] == "ERROR"
    message = [e for e in trace["errors"] if e["type"] == "TASK_UPDATE"][0]["message"]
    assert "invalid output" in message and "quote" in message
    assert len(pricing.requests) == 1
    assert [it["iteration"] for it in trace["iterations"]] == [0]


def test_a_refusal_quoting_text_postgresql_cannot_store_still_errors_the_task(
    committed_tenant, worker
):
    trace, pricing, warehouse = run_order(
        committed_tenant, answer(422, b"bad\x00sku"), answer(202, {}), [{"sku": "?"}]
    )
    assert trace["status"] == "ON_HOLD"
    assert trace["tasks"][0]["status"] == "ERROR"
    message = [e for e in trace["errors"] if e["type"] == "TASK_UPDATE"][0]["message"]
    assert "422" in message and "bad\ufffdsku" in message


def test_an_answer_holding_text_postgresql_cannot_store_errors_the_task(committed_tenant, worker):
    trace, pricing, warehouse = run_order(
        committed_tenant, answer(200, {"total": "1\u0000"}), answer(202, {}), [{"sku": "G"}]
    )
    assert trace["status"] == "ON_HOLD"
    assert trace["tasks"][0]["status"] == "ERROR"
    message = [e for e in trace["errors"] if e["type"] == "TASK_UPDATE"][0]["message"]
    assert "invalid output" in message and "/output/quote" in message
    assert "cannot be stored" in message
    assert len(pricing.requests) == 1
    assert [it["iteration"] for it in trace["iterations"]] == [0]


def test_a_callback_holding_nul_outside_its_output_is_accepted(committed_tenant, worker):
    # Only the output the callback maps to is stored (and checked); the rest of another
    # system's answer may hold what it likes.
    callbacks = []
    trace, pricing, warehouse = run_order(
        committed_tenant,
        answer(200, {"total": 250}),
        call_back_later({"shipped": True, "log": "x\u0000y"}, store=callbacks),
        [{"sku": "A", "qty": 2}],
    )
    assert callbacks[0][1] == 200
    assert trace["status"] == "COMPLETED"
