"""Bad input is a 4xx in the one error shape, never a 500 and never half-stored."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.definitions.data import SAMPLE_SCENARIO, sample_bundle

BODY_URLS = [
    ("post", "/api/v1/workflows/"),
    ("patch", "/api/v1/workflows/{w}/"),
    ("post", "/api/v1/workflows/import/"),
    ("put", "/api/v1/workflows/{w}/bundle/"),
    ("post", "/api/v1/workflows/{w}/simulate/"),
    ("post", "/api/v1/task-definitions/"),
    ("patch", "/api/v1/task-definitions/{t}/"),
    ("post", "/api/v1/completions/"),
    ("post", "/api/v1/ticket-definitions/"),
    ("post", "/api/v1/bundles/validate/"),
    ("post", "/api/v1/bundles/simulate/"),
]

NASTY = [
    pytest.param(b"{not json", "application/json", id="malformed"),
    pytest.param(b"", "application/json", id="empty"),
    pytest.param(b"[" * 5000 + b"]" * 5000, "application/json", id="deep"),
    pytest.param(b'{"title": NaN}', "application/json", id="nan"),
    pytest.param(b"\xff\xfe", "application/json", id="not-utf8"),
    pytest.param(b'"just a string"', "application/json", id="string"),
    pytest.param(b"[1, 2]", "application/json", id="array"),
    pytest.param(b"null", "application/json", id="null"),
    pytest.param(b'{"title": "\\u0000"}', "application/json", id="nul"),
    pytest.param(b'{"title": "\\ud800", "fields_schema": {}}', "application/json", id="surrogate"),
    pytest.param(b'{"title": 5, "fields_schema": "x", "tasks": 3}', "application/json", id="types"),
    pytest.param(b'{"bogus": 1}', "application/json", id="unknown"),
    pytest.param(b"<xml/>", "application/xml", id="xml"),
]


@pytest.mark.parametrize(("method", "url"), BODY_URLS)
@pytest.mark.parametrize(("raw", "content_type"), NASTY)
def test_nasty_bodies_never_500(designer, imported, method, url, raw, content_type):
    workflow = imported()
    url = url.format(w=workflow["id"], t=workflow["tasks"][0]["id"])
    answer = getattr(designer, method)(url, raw, content_type=content_type)
    assert answer.status_code < 500
    if answer.status_code >= 400:
        body = answer.json()
        assert set(body) == {"type", "detail", "errors", "request_id"}
        assert all(set(e) == {"pointer", "message"} for e in body["errors"])


def test_unknown_fields_are_refused(designer, imported):
    workflow = imported()
    answer = designer.patch(
        f"/api/v1/workflows/{workflow['id']}/", {"colour": "red"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"pointer": "/colour", "message": "Unknown field."}]
    answer = designer.patch(
        f"/api/v1/workflows/{workflow['id']}/", {"status": "ACTIVE"}, format="json"
    )
    assert answer.status_code == 400  # status moves only through the actions


def test_unstorable_text_deep_inside_json_is_pointed_at(designer):
    bundle = sample_bundle()
    bundle["tasks"][0]["input_transform"] = {"lines": {"cat": ["a\u0000b"]}}
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    assert "/tasks/0/input_transform/lines/cat/0" in {e["pointer"] for e in answer.json()["errors"]}


def test_validate_reports_nul_and_refuses_unpaired_surrogates_with_their_pointers(designer):
    bundle = sample_bundle()
    bundle["tasks"][0]["title"] = "a\u0000b"
    answer = designer.post("/api/v1/bundles/validate/", bundle, format="json")
    assert answer.status_code == 200
    assert answer.json()["valid"] is False
    assert "/tasks/0/title" in {p["pointer"] for p in answer.json()["problems"]}
    raw = json.dumps(sample_bundle()).replace('"tasks": [{', '"tasks": [{"\\ud800": 1, ', 1)
    answer = designer.post("/api/v1/bundles/validate/", raw, content_type="application/json")
    assert answer.status_code == 400
    assert [e["pointer"] for e in answer.json()["errors"]] == ["/tasks/0/\\ud800"]


@pytest.mark.parametrize(
    "field, where",
    [
        ({"type": "string", "pattern": "["}, "note/pattern"),
        ({"$ref": "#/$defs/missing"}, "note/$ref"),
        ({"$ref": "file:///etc/passwd"}, "note/$ref"),
        ({"$dynamicRef": "#meta"}, "note/$dynamicRef"),
    ],
)
def test_fields_schema_that_could_not_be_applied_is_refused_on_import_and_simulate(
    designer, field, where
):
    bundle = sample_bundle()
    bundle["workflow"]["fields_schema"]["properties"]["note"] = field
    pointer = "/workflow/fields_schema/properties/" + where
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    assert pointer in {e["pointer"] for e in answer.json()["errors"]}
    scenario = {"ticket": {"title": bundle["tickets"][0]["title"], "fields": {}}, "steps": []}
    answer = designer.post(
        "/api/v1/bundles/simulate/", {"bundle": bundle, "scenario": scenario}, format="json"
    )
    assert answer.status_code == 400
    assert "/bundle" + pointer in {e["pointer"] for e in answer.json()["errors"]}


@pytest.mark.parametrize("levels", [16, 40])
def test_a_json_schema_cpu_bomb_is_refused_by_validate_simulate_and_import(designer, levels):
    """The hardening battery's finding: each $defs entry refers twice to the next; checking
    one value took 4.4 s at 16 levels and minutes at 40. Refused before any value is."""
    import time

    bundle = sample_bundle()
    defs = {
        f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}, {"$ref": f"#/$defs/d{i + 1}"}]}
        for i in range(levels)
    }
    defs[f"d{levels}"] = {"type": "string"}
    schema = bundle["workflow"]["fields_schema"]
    schema["$defs"] = defs
    schema["properties"]["note"] = {"$ref": "#/$defs/d0"}
    started = time.perf_counter()
    answer = designer.post("/api/v1/bundles/validate/", bundle, format="json")
    assert answer.json()["valid"] is False
    (problem,) = [p for p in answer.json()["problems"] if "unfolds" in p["message"]]
    assert problem["pointer"].startswith("/workflow/fields_schema/$defs/")
    scenario = {"ticket": {"title": bundle["tickets"][0]["title"],
                           "fields": {"note": "x"}}, "steps": []}  # fmt: skip
    answer = designer.post(
        "/api/v1/bundles/simulate/", {"bundle": bundle, "scenario": scenario}, format="json"
    )
    assert answer.status_code == 400
    assert designer.post("/api/v1/workflows/import/", bundle, format="json").status_code == 400
    assert time.perf_counter() - started < 5


def test_integers_beyond_the_column_range_are_refused(designer):
    bundle = sample_bundle()
    bundle["tasks"][0]["timeout_seconds"] = 10**12
    bundle["workflow"]["max_iterations"] = 10**30
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert {"/tasks/0/timeout_seconds", "/workflow/max_iterations"} <= pointers


def test_long_titles_and_names_are_refused(designer):
    bundle = sample_bundle()
    bundle["workflow"]["title"] = "x" * 256
    bundle["workflow"]["fields_schema"]["properties"]["y" * 101] = {}
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert "/workflow/title" in pointers
    assert "/workflow/fields_schema/properties/" + "y" * 101 in pointers


@override_settings(
    TICKETFLOWER_DEFINITION_LIMITS={
        "MAX_TASKS": 2,
        "MAX_FIELDS_SCHEMA_BYTES": 100,
        "MAX_SCENARIO_STEPS": 1,
    }
)
def test_size_limits(designer, imported):
    answer = designer.post("/api/v1/workflows/import/", sample_bundle(), format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert {"/tasks", "/workflow/fields_schema"} <= pointers
    body = {"bundle": sample_bundle(), "scenario": SAMPLE_SCENARIO}
    answer = designer.post("/api/v1/bundles/simulate/", body, format="json")
    assert "/scenario/steps" in {e["pointer"] for e in answer.json()["errors"]}


def test_a_workflow_holds_at_most_max_tasks(designer, imported):
    workflow = imported()
    with override_settings(TICKETFLOWER_DEFINITION_LIMITS={"MAX_TASKS": 3}):
        body = {"workflow": workflow["id"], "title": "One more", "task_type": "FORM",
                "input_fields": [], "output_fields": []}  # fmt: skip
        answer = designer.post("/api/v1/task-definitions/", body, format="json")
    assert answer.status_code == 400
    assert "at most 3 tasks" in answer.json()["errors"][0]["message"]


def test_a_body_over_the_limit_is_a_413(designer):
    with override_settings(MAX_JSON_BODY_BYTES=1000):
        bundle = sample_bundle()
        bundle["workflow"]["description"] = "x" * 2000
        answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 413
    assert answer.json()["type"] == "request_too_large"


def test_ids_that_are_not_numbers_or_too_big_are_404(designer):
    for wid in ("abc", "99999999999999999999999", "-1"):
        assert designer.get(f"/api/v1/workflows/{wid}/").status_code == 404
        assert designer.post(f"/api/v1/workflows/{wid}/activate/").status_code == 404


WRONG_FIELDS = [
    {"workflow": 10**30},
    {"workflow": "abc"},
    {"workflow": 1.5},
    {"workflow": True},
    {"workflow": None},
    {"position": -1},
    {"position": 10**20},
    {"task_type": "X"},
    {"title": None},
    {"title": ["x"]},
    {"input_fields": "items"},
    {"input_fields": [1, None]},
    {"input_fields": {"a": 1}},
    {"condition": {"no_such_operator": [1]}},
    {"ext_ref": {"label": "x"}},
    {"ext_ref": [{"label": "x", "uri": "u", "extra": 1}]},
    {"timeout_seconds": 0},
    {"timeout_seconds": "ten"},
    {"timeout_seconds": 10**40},
    {"action_url": 5},
    {"input_transform": [1]},
    {"output_transform": {"quote": {"nope": []}}},
]


@pytest.mark.parametrize("change", WRONG_FIELDS, ids=lambda c: repr(c)[:40])
def test_wrong_types_and_values_in_a_task_are_400s_with_pointers(designer, imported, change):
    workflow = imported()
    body = {
        "workflow": workflow["id"], "title": "T", "task_type": "FORM",
        "input_fields": ["items"], "output_fields": ["quote"], **change,
    }  # fmt: skip
    answer = designer.post("/api/v1/task-definitions/", body, format="json")
    assert answer.status_code == 400, answer.json()
    key = next(iter(change))
    assert any(e["pointer"].startswith("/" + key) for e in answer.json()["errors"]), answer.json()
    patched = designer.patch(
        f"/api/v1/task-definitions/{workflow['tasks'][0]['id']}/", change, format="json"
    )
    assert patched.status_code == 400, patched.json()
