"""Bundles with plugin task types: the kernel takes the registered types and plugin checks."""

import pytest

from kernel.problems import InvalidBundle
from kernel.simulate import simulate
from plugins.bundles import compile_definition, validate_bundle
from plugins.hookspecs import hookimpl
from plugins.manager import get_plugin_manager
from plugins.types import TaskType


class StampPlugin:
    @hookimpl
    def register_task_types(self, register):
        register(TaskType(name="STAMP", initial_status="PENDING", plugin="stamp"))

    @hookimpl
    def validate_task_settings(self, task, pointer):
        if task.get("task_type") != "STAMP":
            return None
        if not task.get("description"):
            return [(pointer + "/description", "a STAMP task says what it stamps")]
        return []


@pytest.fixture
def stamp_plugin():
    pm = get_plugin_manager()
    pm.register(StampPlugin(), name="stamp")
    yield
    pm.unregister(name="stamp")


def bundle(task_type="STAMP", description="the invoice"):
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "W", "fields_schema": {"type": "object", "properties": {
            "doc": {"type": "string"}, "stamped": {"type": "boolean"}}}},
        "tasks": [{"title": "Stamp", "task_type": task_type, "input_fields": ["doc"],
                   "output_fields": ["stamped"], "description": description}],
        "completions": [{"title": "Done", "completion_status": "COMPLETED", "fields": ["stamped"]}],
        "tickets": [{"title": "T", "fields": ["doc"]}],
    }  # fmt: skip


def test_unregistered_task_type_is_a_problem_at_its_pointer():
    problems = validate_bundle(bundle())
    assert [p.pointer for p in problems] == ["/tasks/0/task_type"]


def test_registered_plugin_task_type_validates_and_starts_with_its_initial_status(stamp_plugin):
    assert validate_bundle(bundle()) == []
    trace = simulate(
        compile_definition(bundle()),
        {"ticket": {"title": "T", "fields": {"doc": "x"}},
         "steps": [{"complete": "Stamp", "output": {"stamped": True}}]},
    )  # fmt: skip
    assert trace["status"] == "COMPLETED"
    assert trace["tasks"][0]["status"] == "COMPLETED"


def test_validate_task_settings_problems_are_reported(stamp_plugin):
    problems = validate_bundle(bundle(description=None))
    assert [(p.pointer, p.message) for p in problems] == [
        ("/tasks/0/description", "a STAMP task says what it stamps")
    ]
    with pytest.raises(InvalidBundle):
        compile_definition(bundle(description=None))


def test_an_async_actions_callback_deadline_is_at_most_thirty_days():
    import json
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "order_fulfilment"
    bundle = json.loads((example / "bundle.json").read_text())
    bundle["tasks"][2]["callback_timeout_seconds"] = 30 * 24 * 3600 + 1
    pointers = {p.pointer for p in validate_bundle(bundle)}
    assert "/tasks/2/callback_timeout_seconds" in pointers
    bundle["tasks"][2]["callback_timeout_seconds"] = 30 * 24 * 3600
    assert validate_bundle(bundle) == []
