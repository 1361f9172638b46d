"""Query budgets (docs/benchmarks.md): deterministic SQL counts per operation, the same
whatever the number of past iterations."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.runs.support import Runner, install, loop_bundle

# Budgets in SQL statements per request, everything included: the tenant's domain, the
# token, the roles, the savepoint of the step's atomic block (a transaction of its own
# outside tests). django-tenants' `SET search_path` before each statement is not counted
# (with TENANT_LIMIT_SET_CALLS it would be once per connection).
SUBMISSION = 7
COMPLETION = 13
HISTORY = 7


def _count(call) -> tuple[int, list[str], object]:
    with CaptureQueriesContext(connection) as queries:
        answer = call()
    sql = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    return len(sql), sql, answer


def _advance(runner: Runner, person, ticket: int, to: int) -> None:
    """Complete the loop's Step task (claimed by `person`) until iteration `to`."""
    while True:
        task = runner.oldest_active(ticket, "Step")
        if task["start_iteration"] >= to:
            return task
        person.post(f"/api/v1/tasks/{task['id']}/claim/")
        answer = person.post(
            f"/api/v1/tasks/{task['id']}/complete/",
            {"output": {"n": task["start_iteration"] + 1}},
            format="json",
        )
        assert answer.status_code == 200, answer.json()


def test_budgets_do_not_grow_with_history(alpha, capsys):
    runner = Runner(alpha, install(alpha, loop_bundle()), "staff")
    person = alpha.client("looper", "staff")
    runner.submit({"n": 0})  # warms the compiled-definition cache and the token

    submissions = [_count(lambda: runner.submit({"n": 0}))[0] for _ in range(2)]
    ticket = runner.submit({"n": 0}).json()["id"]

    completions, histories = {}, {}
    for at in (3, 30):
        task = _advance(runner, person, ticket, at)
        person.post(f"/api/v1/tasks/{task['id']}/claim/")
        count, sql, answer = _count(
            lambda task=task, at=at: person.post(
                f"/api/v1/tasks/{task['id']}/complete/", {"output": {"n": at + 1}}, format="json"
            )
        )
        assert answer.status_code == 200, answer.json()
        completions[at] = count
        count, _, answer = _count(lambda: runner.admin.get(f"/api/v1/tickets/{ticket}/history/"))
        assert answer.status_code == 200
        assert len(answer.json()["iterations"]) == at + 2
        histories[at] = count
    with capsys.disabled():
        print(
            f"\nqueries: submission {submissions}, FORM completion at 3/30 iterations "
            f"{completions[3]}/{completions[30]}, history read {histories[3]}/{histories[30]}"
        )
    assert submissions[0] == submissions[1] <= SUBMISSION
    assert completions[3] == completions[30] <= COMPLETION
    assert histories[3] == histories[30] <= HISTORY


def test_listings_have_no_n_plus_one(expense):
    counts = {}
    for total in (2, 6):
        while len(expense.admin.get("/api/v1/tickets/?limit=100").json()["results"]) < total:
            expense.submit({"amount": 1})
        counts[total] = {
            path: _count(lambda path=path: expense.admin.get(f"/api/v1/{path}/?limit=100"))[0]
            for path in ("tickets", "tasks", "workflow-instances", "ticket-errors")
        }
    assert counts[2] == counts[6]
