"""An installable third-party plugin (examples/plugins/ticketflower-compute) adds a task
type through the `ticketflower` entry points; a workflow using it runs on a real worker."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from plugins import manager
from tests.actions.support import Worker, wait_for
from tests.runs.support import install

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "examples" / "plugins" / "ticketflower-compute"


def pip(*args):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.fixture
def compute_plugin():
    pip("install", "--no-deps", str(PACKAGE))
    importlib.invalidate_caches()
    manager.get_plugin_manager.cache_clear()
    yield
    pip("uninstall", "-y", "ticketflower-compute")
    importlib.invalidate_caches()
    manager.get_plugin_manager.cache_clear()


BASKET = {
    "format": "ticketflower.bundle/v1",
    "workflow": {"title": "Basket", "fields_schema": {"type": "object", "properties": {
        "lines": {"type": "array"}, "total": {"type": "number"}}}},
    "tasks": [{"title": "Total", "task_type": "COMPUTE", "input_fields": ["lines"],
               "output_fields": ["total"],
               "output_transform": {"total": {"reduce": [
                   {"var": "lines"},
                   {"+": [{"var": "accumulator"}, {"var": "current.price"}]}, 0]}}}],
    "completions": [{"title": "Priced", "completion_status": "COMPLETED", "fields": ["total"]}],
    "tickets": [{"title": "Basket", "fields": ["lines"], "company_role_access": ["sales"]}],
}  # fmt: skip


def test_installed_plugin_is_listed_with_its_version(compute_plugin):
    result = subprocess.run(
        [sys.executable, "-m", "ticketflower.cli", "plugins"], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    listed = {p["name"]: p for p in json.loads(result.stdout)}
    assert listed["compute"]["version"] == "0.2.0"
    assert listed["compute"]["builtin"] is False
    assert "COMPUTE" in manager.task_types()


def test_workflow_with_a_plugin_task_type_runs_on_the_worker(
    compute_plugin, committed_tenant, worker_env
):
    worker = Worker(worker_env).start()
    try:
        workflow = install(committed_tenant, BASKET)
        client = committed_tenant.client("sam", "sales")
        answer = client.post(
            "/api/v1/tickets/",
            {"ticket_definition": workflow["tickets"][0]["id"],
             "fields": {"lines": [{"price": 3}, {"price": 4.5}]}},
            format="json",
        )  # fmt: skip
        assert answer.status_code == 201, answer.json()
        admin = committed_tenant.client("boss", "ticket_admin")
        url = f"/api/v1/tickets/{answer.json()['id']}/history/"
        trace = wait_for(lambda: (t := admin.get(url).json())["status"] == "COMPLETED" and t)
    finally:
        worker.stop()
    assert trace["completion"] == "Priced"
    assert trace["iterations"][-1]["data"]["total"] == 7.5
    assert [(t["task"], t["status"]) for t in trace["tasks"]] == [("Total", "COMPLETED")]


def test_plugin_settings_check_refuses_a_compute_task_without_transform(compute_plugin, alpha):
    bundle = json.loads(json.dumps(BASKET))
    del bundle["tasks"][0]["output_transform"]
    designer = alpha.client("designer", "workflow_creator")
    answer = designer.post("/api/v1/bundles/validate/", bundle, format="json")
    body = answer.json()
    problems = body.get("problems", body.get("errors", []))
    expected = {
        "pointer": "/tasks/0/output_transform",
        "message": "a COMPUTE task needs an output_transform object",
    }
    assert expected in problems, body
