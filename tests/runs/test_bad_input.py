"""Bad input: 4xx with pointers, nothing half-written, never a 500 (docs/errors.md)."""

from __future__ import annotations

import pytest

GARBAGE = [
    None,
    1,
    "text",
    [],
    [1, 2],
    {"output": None},
    {"output": "x"},
    {"output": {"approved": [[[[[[[[[[]]]]]]]]]]}},
    {"output": {"approved": 10**400}},
    {"output": {"": 1, "$": 2, "a/b~c": 3}},
    {"data": {"amount": "NaN"}},
    {"notes": None},
    {"user": "me"},
    {"user": 10**30},
    {"fields": {"amount": 1}, "ticket_definition": -1},
    {"ticket_definition": True, "fields": {}},
    {"ticket_definition": 1.5, "fields": {}},
    {"ticket_definition": 2**63, "fields": {}},
    {"ticket_definition": 10**30, "fields": {}},
]


@pytest.fixture
def paths(expense):
    ticket = expense.submit({"amount": 5}).json()
    task = ticket["tasks"][0]["id"]
    instance = ticket["workflow_instance"]["id"]
    expense.ticket_id = ticket["id"]
    return [
        "/api/v1/tickets/",
        f"/api/v1/tasks/{task}/complete/",
        f"/api/v1/tasks/{task}/assign/",
        f"/api/v1/workflow-instances/{instance}/write/",
        "/api/v1/ticket-errors/1/resolve/",
        "/api/v1/files/",
    ]


def test_garbage_bodies_never_500(expense, paths):
    for path in paths:
        for body in GARBAGE:
            answer = expense.admin.post(path, body, format="json")
            assert 400 <= answer.status_code < 500, (path, body, answer.status_code)
            assert answer.json()["errors"], (path, body)
    # Nothing was completed or written by any of them.
    assert [t["status"] for t in expense.tasks(expense.ticket_id)] == ["OPEN"]
    assert len(expense.history(expense.ticket_id)["iterations"]) == 1


def test_garbage_query_parameters_never_500(expense, paths):
    instance = paths[3].split("/")[4]
    for query in (
        "/api/v1/tickets/?created_after=x&status=Z",
        "/api/v1/tasks/?assigned=you",
        "/api/v1/tasks/?claimable=maybe",
        "/api/v1/tasks/?status=DONE",
        "/api/v1/ticket-errors/?error_status=X",
        "/api/v1/tickets/?limit=x&offset=-5",
        "/api/v1/tickets/?limit=9223372036854775808",
        "/api/v1/tasks/?limit=99999999999999999999&offset=99999999999999999999",
        "/api/v1/tickets/?created_after=0001-01-01T00:00:00-23:59",
        "/api/v1/tickets/?created_before=9999-12-31T23:59:59-23:00",
        "/api/v1/tickets/?created_after=2026-01-01T00:00:00%2B05:00",
        f"/api/v1/workflow-instances/{instance}/data/?iteration=99999999999999999999",
        f"/api/v1/workflow-instances/{instance}/diff/?from=a&to=b",
        "/api/v1/tickets/abc/",
        "/api/v1/tasks/99999999999999999999/",
        "/api/v1/files/0/download/",
    ):
        answer = expense.admin.get(query)
        assert 200 <= answer.status_code < 500, (query, answer.status_code)


# Strings PostgreSQL cannot store, as a client writes them in JSON: raw bytes, because a
# lone surrogate cannot be encoded by the test client's own JSON encoder.
UNSTORABLE = [(r'"a\u0000b"', "NUL"), (r'"\ud800x"', "surrogate")]


@pytest.mark.parametrize("text, kind", UNSTORABLE)
def test_text_postgresql_cannot_store_is_400_with_its_pointer_not_500(expense, paths, text, kind):
    ticket = expense.ticket_id
    task = paths[1].split("/")[4]
    bodies = {
        paths[0]: b'{"ticket_definition": %d, "fields": {"amount": 3, "note": %s}}'
        % (next(iter(expense.tickets.values())), text.encode()),
        paths[1]: b'{"output": {"approved": true, "comment": %s}}' % text.encode(),
        paths[3]: b'{"data": {"note": %s}}' % text.encode(),
    }
    pointers = {paths[0]: "/fields/note", paths[1]: "/output/comment", paths[3]: "/data/note"}
    for path, body in bodies.items():
        answer = expense.admin.post(path, body, content_type="application/json")
        assert answer.status_code == 400, (path, answer.status_code)
        errors = answer.json()["errors"]
        assert [e["pointer"] for e in errors] == [pointers[path]], (path, errors)
        assert kind in errors[0]["message"].upper() or kind in errors[0]["message"]
    # In keys too, with the key's pointer.
    answer = expense.admin.post(
        paths[3], b'{"data": {%s: 1}}' % text.encode(), content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"].startswith("Key: ")
    # Nothing was submitted, completed or written.
    assert len(expense.admin.get("/api/v1/tickets/").json()["results"]) == 1
    assert [t["status"] for t in expense.tasks(ticket)] == ["OPEN"]
    assert len(expense.history(ticket)["iterations"]) == 1
    assert task


def test_a_page_holds_at_most_1000_rows_whatever_the_limit(expense):
    for n in range(3):
        expense.submit({"amount": n})
    page = expense.admin.get("/api/v1/tickets/?limit=9223372036854775808").json()
    assert (page["count"], len(page["results"])) == (3, 3)
    page = expense.admin.get("/api/v1/tickets/?limit=2").json()
    assert len(page["results"]) == 2 and "limit=2" in page["next"]
    # The limit in force shows in the links: 5000 was cut to 1000.
    page = expense.admin.get("/api/v1/tickets/?limit=5000&offset=1").json()
    assert len(page["results"]) == 2 and "limit=1000" in page["previous"]


def test_runaway_loop_goes_on_hold_and_keeps_data(alpha):
    from tests.runs.support import Runner, install, loop_bundle

    bundle = loop_bundle()
    bundle["workflow"]["max_iterations"] = 3
    runner = Runner(alpha, install(alpha, bundle), "staff")
    ticket = runner.submit({"n": 0}).json()["id"]
    for n in range(1, 4):
        task = runner.oldest_active(ticket, "Step")
        answer = runner.admin.post(
            f"/api/v1/tasks/{task['id']}/complete/", {"output": {"n": n}}, format="json"
        )
        assert answer.status_code == 200, answer.json()
    history = runner.history(ticket)
    assert history["status"] == "ON_HOLD"
    assert [it["data"]["n"] for it in history["iterations"]] == [0, 1, 2, 3]
    assert [e["type"] for e in history["errors"]] == ["WORKFLOW_TRANSITION"]
    assert "runaway" in history["errors"][0]["message"]
