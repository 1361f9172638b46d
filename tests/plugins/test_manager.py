"""The plugin manager: built-ins registered like third parties, listing, disabling."""

import json
import os
import subprocess
import sys

import pytest

from plugins import manager
from plugins.hookspecs import hookimpl
from plugins.types import TaskEvent, TaskType


def run_cli(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "ticketflower.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_register_task_types_gives_the_builtin_types():
    types = manager.task_types()
    assert types["FORM"].initial_status == "OPEN"
    assert types["SYNC_ACTION"].initial_status == "PENDING"
    assert types["ASYNC_ACTION"].plugin == "http_action"


def test_register_evaluators_provides_jsonlogic_as_default():
    assert "jsonlogic" in manager.evaluators()
    assert manager.default_evaluator().compile({"==": [1, 1]})({}) is True


def test_loaded_plugins_lists_builtins_with_versions_and_hooks():
    listed = {p["name"]: p for p in manager.loaded_plugins()}
    assert {"jsonlogic", "form_task", "http_action"} <= set(listed)
    assert listed["jsonlogic"]["builtin"] is True
    assert listed["jsonlogic"]["hooks"] == ["register_evaluators"]
    assert listed["form_task"]["version"]


def test_cli_lists_plugins_as_json():
    result = run_cli("plugins")
    assert result.returncode == 0, result.stderr
    assert "http_action" in {p["name"] for p in json.loads(result.stdout)}


def test_disabled_plugins_are_not_loaded():
    result = run_cli("plugins", TICKETFLOWER_DISABLE_PLUGINS="http_action")
    names = {p["name"] for p in json.loads(result.stdout)}
    assert "http_action" not in names and "form_task" in names


class Recorder:
    def __init__(self):
        self.events = []
        self.problems_for = []

    @hookimpl
    def task_started(self, event):
        self.events.append(("started", event.task_instance_id))

    @hookimpl
    def task_completed(self, event):
        self.events.append(("completed", event.task_instance_id))

    @hookimpl
    def task_failed(self, event):
        self.events.append(("failed", event.task_instance_id))

    @hookimpl
    def validate_task_settings(self, task, pointer):
        if task.get("task_type") != "X":
            return None
        return [(pointer + "/x", "x is required")]

    @hookimpl
    def register_task_types(self, register):
        register(TaskType(name="X", initial_status="PENDING", plugin="recorder"))


@pytest.fixture
def recorder():
    """A plugin registered for one test, unregistered afterwards."""
    pm = manager.get_plugin_manager()
    plugin = Recorder()
    pm.register(plugin, name="recorder")
    yield plugin
    pm.unregister(name="recorder")


EVENT = TaskEvent("alpha", 7, "FORM", "Approve", 3, "OPEN")


@pytest.mark.parametrize("moment", ["started", "completed", "failed"])
def test_notify_calls_only_the_hook_of_its_moment(recorder, moment):
    manager.notify(moment, EVENT)
    assert recorder.events == [(moment, 7)]


def test_task_started_receives_the_event(recorder):
    manager.notify("started", EVENT)
    assert recorder.events == [("started", EVENT.task_instance_id)]


def test_task_completed_receives_the_event(recorder):
    manager.notify("completed", EVENT)
    assert recorder.events == [("completed", EVENT.task_instance_id)]


def test_task_failed_receives_the_event(recorder):
    manager.notify("failed", EVENT)
    assert recorder.events == [("failed", EVENT.task_instance_id)]


def test_register_task_types_of_a_plugin_last_while_it_is_registered():
    pm = manager.get_plugin_manager()
    pm.register(Recorder(), name="recorder")
    try:
        assert manager.task_types()["X"].plugin == "recorder"
    finally:
        pm.unregister(name="recorder")
    assert "X" not in manager.task_types()


def test_validate_task_settings_of_a_plugin_are_collected(recorder):
    pm = manager.get_plugin_manager()
    results = pm.hook.validate_task_settings(task={"task_type": "X"}, pointer="/tasks/0")
    assert [("/tasks/0/x", "x is required")] in results


REFUNDED = {"==": [{"var": "body.status"}, "succeeded"]}
ASYNC_TASK = {
    "task_type": "ASYNC_ACTION",
    "output_fields": ["refund_id", "refunded"],
    "output_transform": {"refund_id": {"var": "body.id"}, "refunded": REFUNDED},
}


def _answer(body):
    return {"status": None, "headers": {}, "body": body, "input": {}, "data": {}}


def test_callback_output_of_an_async_action_is_mapped_by_its_output_transform():
    output = manager.callback_output(ASYNC_TASK, _answer({"id": "re_1", "status": "succeeded"}))
    assert output == {"refund_id": "re_1", "refunded": True}


def test_callback_output_refuses_an_answer_the_transform_cannot_map():
    from plugins.host import OutputRefused

    task = {**ASYNC_TASK, "output_transform": None}  # the body itself, which must be an object
    with pytest.raises(OutputRefused, match="not a JSON object"):
        manager.callback_output(task, _answer(["re_1"]))


def test_callback_output_is_refused_for_a_type_that_takes_no_callback():
    from plugins.host import OutputRefused

    with pytest.raises(OutputRefused, match="FORM task takes no callback"):
        manager.callback_output({"task_type": "FORM", "output_fields": []}, _answer({}))
