"""A task, completion or ticket definition's history through its workflow's versions
(the customer's per-row `version` is the workflow's)."""

from __future__ import annotations


def _new_version(designer, workflow_id: int) -> dict:
    answer = designer.post(f"/api/v1/workflows/{workflow_id}/new-version/")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_a_task_shows_each_version_of_its_workflow_and_what_changed(designer, imported):
    first = imported()
    second = _new_version(designer, first["id"])
    quote = next(t for t in second["tasks"] if t["title"] == "Quote")
    answer = designer.patch(
        f"/api/v1/task-definitions/{quote['id']}/", {"description": "Price it"}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    third = _new_version(designer, second["id"])
    # Version 3 drops the task: its history shows it absent there.
    third_quote = next(t for t in third["tasks"] if t["title"] == "Quote")
    assert designer.delete(f"/api/v1/task-definitions/{third_quote['id']}/").status_code == 204

    original = next(t for t in first["tasks"] if t["title"] == "Quote")
    answer = designer.get(f"/api/v1/task-definitions/{original['id']}/versions/")
    assert answer.status_code == 200, answer.json()
    history = answer.json()
    assert [(h["workflow"], h["version"], h["changed"]) for h in history] == [
        (first["id"], 1, False),
        (second["id"], 2, True),
        (third["id"], 3, True),
    ]
    assert history[0]["definition"]["id"] == original["id"]
    assert history[1]["definition"]["description"] == "Price it"
    assert history[2]["definition"] is None
    # The same answer from any version's row of the part.
    again = designer.get(f"/api/v1/task-definitions/{quote['id']}/versions/").json()
    assert again == history


def test_an_unchanged_completion_is_not_marked_changed(designer, imported):
    first = imported()
    second = _new_version(designer, first["id"])
    done = next(c for c in second["completions"] if c["title"] == "Delivered")
    history = designer.get(f"/api/v1/completions/{done['id']}/versions/").json()
    assert [(h["version"], h["changed"]) for h in history] == [(1, False), (2, False)]


def test_a_ticket_definition_history_shows_only_versions_the_reader_sees(
    alpha, beta, designer, imported
):
    from tests.definitions.test_lifecycle import activate

    first = imported()
    assert activate(designer, first["id"]).status_code == 200
    second = _new_version(designer, first["id"])  # a DRAFT: staff do not see it
    order = next(t for t in first["tickets"] if t["title"] == "Order")
    seller = alpha.client("seller", "sales")
    history = seller.get(f"/api/v1/ticket-definitions/{order['id']}/versions/").json()
    assert [h["version"] for h in history] == [1]
    every = designer.get(f"/api/v1/ticket-definitions/{order['id']}/versions/").json()
    assert [h["workflow"] for h in every] == [first["id"], second["id"]]
    # Another company does not find the part at all.
    other = beta.client("designer", "workflow_creator")
    assert other.get(f"/api/v1/ticket-definitions/{order['id']}/versions/").status_code == 404
