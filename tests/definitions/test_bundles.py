"""Bundles through the API: import (all or nothing), export, replace, validate, simulate."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from tests.definitions.data import (
    EXAMPLES,
    SAMPLE_SCENARIO,
    example_bundle,
    example_scenario,
    sample_bundle,
)
from ticketflower.definitions.models import (
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
)

MODELS = (WorkflowDefinition, TaskDefinition, CompletionDefinition, TicketDefinition)


def counts(slug="alpha"):
    with schema_context(slug):
        return [m.objects.count() for m in MODELS]


def normalized(bundle):
    """A bundle with every optional key spelled out, as export writes it."""
    from ticketflower.definitions import bundles

    out = {"format": bundle["format"], "workflow": {}}
    wf = bundle["workflow"]
    out["workflow"] = {k: wf.get(k) for k in bundles.WORKFLOW_FIELDS}
    out["workflow"]["max_iterations"] = wf.get("max_iterations") or 1000
    for section, (_, keys) in bundles.SECTIONS.items():
        out[section] = []
        for entry in bundle.get(section) or []:
            item = {k: entry.get(k) for k in keys}
            for k in bundles.LIST_COLUMNS & item.keys():
                item[k] = item[k] or []
            out[section].append(item)
    return out


def test_examples_exist():
    assert set(EXAMPLES) >= {"order_fulfilment", "it_support", "refund_approval"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_imports_activates_exports_and_reimports_equal(designer, name):
    bundle = example_bundle(name)
    created = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert created.status_code == 201, created.json()
    first = created.json()
    assert first["status"] == "DRAFT"
    activated = designer.post(f"/api/v1/workflows/{first['id']}/activate/")
    assert activated.status_code == 200, activated.json()
    exported = designer.get(f"/api/v1/workflows/{first['id']}/bundle/").json()
    assert exported == normalized(bundle)
    again = designer.post("/api/v1/workflows/import/", exported, format="json").json()
    assert designer.get(f"/api/v1/workflows/{again['id']}/bundle/").json() == exported

    def comparable(detail):
        skip = {"id", "url", "workflow", "status", "lineage", "created_at", "updated_at"}
        drop = lambda d: {k: v for k, v in d.items() if k not in skip}  # noqa: E731
        out = drop(detail)
        for section in ("tasks", "completions", "tickets"):
            out[section] = [drop(p) for p in detail[section]]
        return out

    stored = designer.get(f"/api/v1/workflows/{first['id']}/").json()
    assert comparable(designer.get(f"/api/v1/workflows/{again['id']}/").json()) == comparable(
        stored
    )


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_simulates_like_the_command_line(designer, name):
    from kernel.bundle import compile_bundle
    from kernel.simulate import simulate
    from plugins.manager import default_evaluator

    bundle, scenario = example_bundle(name), example_scenario(name)
    expected = simulate(compile_bundle(bundle, default_evaluator()), scenario)
    workflow = designer.post("/api/v1/workflows/import/", bundle, format="json").json()
    answer = designer.post(f"/api/v1/workflows/{workflow['id']}/simulate/", scenario, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json() == json.loads(json.dumps(expected))
    answer = designer.post(
        "/api/v1/bundles/simulate/", {"bundle": bundle, "scenario": scenario}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json() == json.loads(json.dumps(expected))


def test_an_invalid_bundle_imports_nothing_and_reports_every_problem(designer):
    before = counts()
    bundle = sample_bundle()
    bundle["tasks"][1]["output_fields"] = ["nope"]
    bundle["tasks"][2]["task_type"] = "TELEPATHY"
    bundle["completions"][0]["fields"] = []
    bundle["tickets"].append({"title": "Order", "fields": ["items"]})
    answer = designer.post("/api/v1/workflows/import/", bundle, format="json")
    assert answer.status_code == 400
    pointers = {e["pointer"] for e in answer.json()["errors"]}
    assert {
        "/tasks/1/output_fields/0",
        "/tasks/2/task_type",
        "/completions/0/fields",
        "/tickets/1/title",
    } <= pointers
    assert counts() == before


def test_a_failure_while_storing_rolls_everything_back(designer, monkeypatch):
    from ticketflower.definitions import bundles

    before = counts()
    real = bundles.create_parts

    def explode(workflow, bundle, created_by):
        real(workflow, {"tasks": bundle["tasks"]}, created_by)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bundles, "create_parts", explode)
    with pytest.raises(RuntimeError):
        designer.post("/api/v1/workflows/import/", sample_bundle(), format="json")
    assert counts() == before


def test_replace_bundle_swaps_a_drafts_whole_content(designer, imported):
    workflow = imported()
    replacement = example_bundle("it_support")
    url = f"/api/v1/workflows/{workflow['id']}/bundle/"
    answer = designer.put(url, replacement, format="json")
    assert answer.status_code == 200, answer.json()
    detail = answer.json()
    assert (detail["id"], detail["version"]) == (workflow["id"], 1)
    assert detail["title"] == "IT support"
    assert designer.get(url).json() == normalized(replacement)
    with schema_context("alpha"):
        assert TaskDefinition.objects.filter(pk=workflow["tasks"][0]["id"]).count() == 0


def test_replace_with_an_invalid_bundle_changes_nothing(designer, imported):
    workflow = imported()
    url = f"/api/v1/workflows/{workflow['id']}/bundle/"
    before = designer.get(url).json()
    broken = sample_bundle()
    broken["tasks"][0]["input_fields"] = ["missing"]
    answer = designer.put(url, broken, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/tasks/0/input_fields/0"
    assert designer.get(url).json() == before


def test_validate_reports_problems_or_findings(designer):
    answer = designer.post("/api/v1/bundles/validate/", sample_bundle(), format="json")
    assert answer.status_code == 200
    assert answer.json()["valid"] is True
    broken = sample_bundle()
    del broken["format"]
    broken["workflow"]["fields_schema"] = {"type": "object", "properties": {"$": {}}}
    report = designer.post("/api/v1/bundles/validate/", broken, format="json").json()
    assert report["valid"] is False
    assert {"/format", "/workflow/fields_schema/properties/$"} <= {
        p["pointer"] for p in report["problems"]
    }
    assert (
        designer.post("/api/v1/bundles/validate/", [1, 2], format="json").json()["valid"] is False
    )


def test_simulate_with_an_invalid_bundle_points_under_bundle(designer):
    broken = sample_bundle()
    broken["tasks"][0]["action_url"] = None
    body = {"bundle": broken, "scenario": SAMPLE_SCENARIO}
    answer = designer.post("/api/v1/bundles/simulate/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/bundle/tasks/0/action_url"
    answer = designer.post("/api/v1/bundles/simulate/", {"bundle": sample_bundle()}, format="json")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/scenario"


def test_a_bad_scenario_step_is_a_scenario_error_not_an_http_error(designer, imported):
    workflow = imported()
    scenario = {**SAMPLE_SCENARIO, "steps": [{"complete": "Nobody"}]}
    answer = designer.post(f"/api/v1/workflows/{workflow['id']}/simulate/", scenario, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "SCENARIO_ERROR"
    answer = designer.post(f"/api/v1/workflows/{workflow['id']}/simulate/", [], format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "SCENARIO_ERROR"


def test_simulating_an_invalid_stored_draft_is_a_409(designer, imported):
    workflow = imported()
    designer.patch(
        f"/api/v1/workflows/{workflow['id']}/",
        {"fields_schema": {"type": "object", "properties": {}}},
        format="json",
    )
    answer = designer.post(
        f"/api/v1/workflows/{workflow['id']}/simulate/", SAMPLE_SCENARIO, format="json"
    )
    assert answer.status_code == 409
    assert answer.json()["type"] == "invalid_definition"
