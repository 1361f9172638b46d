"""A FORM task definition's `deadline_seconds`: validated at its pointer, stored, exported
and imported again unchanged (docs/decision-due-dates.md). Task 1 of the sample is its
FORM; tasks 0 and 2 are actions."""

from __future__ import annotations

import pytest

from tests.definitions.data import sample_bundle

YEAR = 365 * 24 * 3600
BAD = [0, 59, -60, YEAR + 1, 10**12, "3600", 2.5, True, [60], {"hours": 1}]


@pytest.mark.parametrize("value", BAD, ids=repr)
def test_a_deadline_out_of_range_or_not_an_integer_is_refused_at_its_pointer(designer, value):
    bundle = sample_bundle()
    bundle["tasks"][1]["deadline_seconds"] = value
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400, answer.json()
    assert "/tasks/1/deadline_seconds" in {e["pointer"] for e in answer.json()["errors"]}
    checked = designer.post("/api/v1/bundles/validate/", bundle, format="json").json()
    assert checked["valid"] is False
    assert "/tasks/1/deadline_seconds" in {p["pointer"] for p in checked["problems"]}


@pytest.mark.parametrize("value", [0, YEAR + 1, "1h"], ids=repr)
def test_a_task_definition_written_alone_refuses_a_bad_deadline_at_its_pointer(
    designer, imported, value
):
    workflow = imported()
    body = {
        "workflow": workflow["id"], "title": "T", "task_type": "FORM",
        "input_fields": ["items"], "output_fields": ["quote"], "deadline_seconds": value,
    }  # fmt: skip
    answer = designer.post("/api/v1/task-definitions/", body, format="json")
    assert answer.status_code == 400, answer.json()
    assert "/deadline_seconds" in {e["pointer"] for e in answer.json()["errors"]}
    task = workflow["tasks"][1]["id"]
    answer = designer.patch(
        f"/api/v1/task-definitions/{task}/", {"deadline_seconds": value}, format="json"
    )
    assert answer.status_code == 400, answer.json()
    assert "/deadline_seconds" in {e["pointer"] for e in answer.json()["errors"]}


@pytest.mark.parametrize("value", [60, 86400, YEAR, None])
def test_a_deadline_within_a_minute_and_a_year_or_none_is_stored(designer, value):
    bundle = sample_bundle()
    bundle["tasks"][1]["deadline_seconds"] = value
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["tasks"][1]["deadline_seconds"] == value


def test_the_deadline_survives_export_and_import(designer, imported):
    bundle = sample_bundle()
    bundle["tasks"][1]["deadline_seconds"] = 2 * 3600
    first = imported(bundle)
    exported = designer.get(f"/api/v1/workflows/{first['id']}/bundle/").json()
    assert exported["tasks"][1]["deadline_seconds"] == 2 * 3600
    assert exported["tasks"][0]["deadline_seconds"] is None
    exported["workflow"]["title"] += " again"
    second = imported(exported)
    again = designer.get(f"/api/v1/workflows/{second['id']}/bundle/").json()
    assert again["tasks"] == exported["tasks"]


def test_the_task_definition_api_changes_the_deadline(designer, imported):
    task = imported()["tasks"][1]["id"]
    answer = designer.patch(
        f"/api/v1/task-definitions/{task}/", {"deadline_seconds": 600}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert designer.get(f"/api/v1/task-definitions/{task}/").json()["deadline_seconds"] == 600


def test_an_action_may_not_declare_a_deadline(designer):
    bundle = sample_bundle()
    bundle["tasks"][0]["deadline_seconds"] = 3600
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    (error,) = [e for e in answer.json()["errors"] if e["pointer"] == "/tasks/0/deadline_seconds"]
    assert "tasks done by people" in error["message"]
