"""The next action of a chain runs on the worker thread that finished the one before it
(plugins/http_action/continuations.py): real PostgreSQL, real HTTP servers on loopback, the
actor's function called as a worker thread calls it. The seam under test is the hand-over
to the queue (`actors._send`), recorded instead of sent."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from plugins.http_action import actors, continuations
from tests.loopback import LoopbackServer, answer, fail_then
from tests.runs.support import install


def chain_bundle(url: str, chain: list[tuple[str, str, str]], done: list[str]) -> dict:
    """Tasks (title, input field, output field) calling `url`/title, each taking `body.n`;
    done when every field of `done` is set."""
    fields = {"n": {"type": "number"}}
    fields.update({out: {"type": "number"} for _, _, out in chain})
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "Chain", "fields_schema": {"type": "object", "properties": fields}},
        "tasks": [
            {
                "title": title,
                "task_type": "SYNC_ACTION",
                "input_fields": [source],
                "output_fields": [out],
                "action_url": f"{url}/{title}",
                "timeout_seconds": 5,
                "input_transform": {source: {"var": source}},
                "output_transform": {out: {"var": "body.n"}},
            }
            for title, source, out in chain
        ],
        "completions": [
            {
                "title": "Done",
                "completion_status": "COMPLETED",
                "fields": done,
                "condition": {"and": [{"!=": [{"var": f}, None]} for f in done]},
            }
        ],
        "tickets": [{"title": "Go", "fields": ["n"], "company_role_access": ["staff"]}],
    }


CHAIN = [("A", "n", "a"), ("B", "a", "b"), ("C", "b", "c")]
FAN_OUT = [("A", "n", "a"), ("B", "a", "b"), ("C", "a", "c")]


@pytest.fixture
def sent(monkeypatch, settings):
    """What the actions hand to the queue: (task title, options), in order."""
    settings.ACTION_ALLOWED_NETWORKS = "127.0.0.0/8"
    settings.ACTION_MIN_BACKOFF_MS = 100
    settings.ACTION_MAX_BACKOFF_MS = 300
    record: list[tuple[object, dict]] = []
    monkeypatch.setattr(actors, "_send", lambda event, **options: record.append((event, options)))
    return record


def start(tenant, server, chain, done):
    """Install the workflow, submit a ticket: its id."""
    workflow = install(tenant, chain_bundle(server.url, chain, done))
    client = tenant.client("sam", "staff")
    body = {"ticket_definition": workflow["tickets"][0]["id"], "fields": {"n": 1}}
    submitted = client.post("/api/v1/tickets/", body, format="json")
    assert submitted.status_code == 201, submitted.json()
    return submitted.json()["id"]


def status(tenant, ticket_id):
    trace = tenant.client("boss", "ticket_admin").get(f"/api/v1/tickets/{ticket_id}/history/")
    return trace.json()["status"], [(t["task"], t["status"]) for t in trace.json()["tasks"]]


def run(event) -> None:
    """The actor's function, as a worker thread runs a message of it."""
    actors.run_action.fn(asdict(event))


def titles(record):
    return [event.task_title for event, _ in record]


def test_a_chain_runs_on_one_thread_after_its_first_message(committed_tenant, sent):
    with LoopbackServer(answer(200, {"n": 2})) as server:
        ticket = start(committed_tenant, server, CHAIN, ["c"])
        assert titles(sent) == ["A"]  # the submission hands the first action to the queue
        run(sent[0][0])
        assert [r["path"] for r in server.requests] == ["/A", "/B", "/C"]
    assert titles(sent) == ["A"]  # B and C never went through the queue
    assert status(committed_tenant, ticket) == (
        "COMPLETED",
        [("A", "COMPLETED"), ("B", "COMPLETED"), ("C", "COMPLETED")],
    )


def test_a_fan_out_keeps_one_branch_and_queues_the_others(committed_tenant, sent):
    with LoopbackServer(answer(200, {"n": 2})) as server:
        ticket = start(committed_tenant, server, FAN_OUT, ["b", "c"])
        run(sent[0][0])
        ran = [r["path"] for r in server.requests]
        assert len(ran) == 2 and ran[0] == "/A"
        queued = [event for event, _ in sent[1:]]
        assert len(queued) == 1 and {f"/{queued[0].task_title}", ran[1]} == {"/B", "/C"}
        run(queued[0])
        assert sorted(r["path"] for r in server.requests) == ["/A", "/B", "/C"]
    assert status(committed_tenant, ticket)[0] == "COMPLETED"


def test_a_kept_action_that_must_be_retried_goes_to_the_queue_as_its_first_retry(
    committed_tenant, sent
):
    behaviours = {"/A": answer(200, {"n": 2}), "/B": fail_then(1, 200, {"n": 3})}
    counts: dict[str, int] = {}

    def behaviour(n, path, body, headers):
        counts[path] = counts.get(path, 0) + 1
        return behaviours.get(path, answer(200, {"n": 4}))(counts[path], path, body, headers)

    with LoopbackServer(behaviour) as server:
        ticket = start(committed_tenant, server, CHAIN, ["c"])
        run(sent[0][0])
        assert titles(sent) == ["A", "B"]
        event, options = sent[1]
        assert options["retries"] == 1 and 100 <= options["delay"] <= 200
        assert status(committed_tenant, ticket)[1] == [("A", "COMPLETED"), ("B", "PENDING")]
        run(event)  # the retry: B answers now, and C follows on the same thread
        assert [r["path"] for r in server.requests] == ["/A", "/B", "/B", "/C"]
    assert titles(sent) == ["A", "B"]
    assert status(committed_tenant, ticket)[0] == "COMPLETED"


def test_a_chain_gives_its_thread_back_after_its_share(committed_tenant, sent, monkeypatch):
    monkeypatch.setattr(continuations, "MAX_IN_A_ROW", 1)
    with LoopbackServer(answer(200, {"n": 2})) as server:
        ticket = start(committed_tenant, server, CHAIN, ["c"])
        run(sent[0][0])
        assert [r["path"] for r in server.requests] == ["/A", "/B"]
        assert titles(sent) == ["A", "C"]
        assert sent[1][1] == {}  # a plain message: no retry counted, no delay
        run(sent[1][0])
    assert status(committed_tenant, ticket)[0] == "COMPLETED"


def test_nothing_is_kept_outside_a_running_action():
    assert continuations.keep(object()) is False
    with continuations.collecting() as kept:
        assert continuations.keep("first") is True
        assert continuations.keep("second") is False
        with continuations.collecting() as inner:
            assert continuations.keep("inner") is True
        assert inner == ["inner"]
    assert kept == ["first"]
    assert continuations.keep("after") is False
