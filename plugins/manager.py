"""The one plugin manager: built-ins first, then entry points of the group "ticketflower"."""

from __future__ import annotations

import functools
import os
from typing import Any

import pluggy

from plugins import hookspecs
from plugins.types import TaskEvent, TaskType

# Built-in plugins are registered exactly like third-party ones.
BUILTIN_PLUGINS = ("plugins.jsonlogic", "plugins.form_task", "plugins.http_action")


def _disabled() -> set[str]:
    """Plugin names not to load (TICKETFLOWER_DISABLE_PLUGINS, comma-separated)."""
    raw = os.environ.get("TICKETFLOWER_DISABLE_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


@functools.cache
def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loaded once."""
    import importlib

    pm = pluggy.PluginManager("ticketflower")
    pm.add_hookspecs(hookspecs)
    disabled = _disabled()
    for modname in BUILTIN_PLUGINS:
        name = modname.rsplit(".", 1)[-1]
        if name not in disabled:
            pm.register(importlib.import_module(modname), name=name)
    for name in disabled:
        pm.set_blocked(name)
    if os.environ.get("TICKETFLOWER_LOAD_ENTRY_POINTS", "1") != "0":
        pm.load_setuptools_entrypoints("ticketflower")
    pm.check_pending()
    return pm


def evaluators() -> dict[str, Any]:
    """Every registered expression evaluator by name."""
    found: dict[str, Any] = {}

    def register(name: str, evaluator: Any) -> None:
        found[name] = evaluator

    get_plugin_manager().hook.register_evaluators(register=register)
    return found


def default_evaluator() -> Any:
    """The evaluator used for conditions and transforms (JsonLogic)."""
    return evaluators()["jsonlogic"]


def task_types() -> dict[str, TaskType]:
    """Every registered task type by name."""
    found: dict[str, TaskType] = {}

    def register(task_type: TaskType) -> None:
        found[task_type.name] = task_type

    get_plugin_manager().hook.register_task_types(register=register)
    return found


def callback_output(task: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The output a callback's answer maps to, from the plugin that runs the task's type
    (OutputRefused when no plugin takes callbacks for it, or the answer cannot map)."""
    from plugins.host import OutputRefused

    output = get_plugin_manager().hook.callback_output(task=task, answer=answer)
    if output is None:
        raise OutputRefused(f"a {task.get('task_type')} task takes no callback")
    return output


def notify(moment: str, event: TaskEvent) -> None:
    """Tell plugins a task instance started, completed or failed (after commit)."""
    getattr(get_plugin_manager().hook, f"task_{moment}")(event=event)


def loaded_plugins() -> list[dict[str, Any]]:
    """What is loaded: each plugin's name, version, hooks it implements, and whether built in."""
    from importlib.metadata import PackageNotFoundError, version

    pm = get_plugin_manager()
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    try:
        own_version = version("ticketflower")
    except PackageNotFoundError:
        own_version = "unknown"
    out = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda item: item[0]):
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or [])
        out.append(
            {
                "name": name,
                "version": dist.version if dist else own_version,
                "package": dist.project_name if dist else "ticketflower",
                "builtin": dist is None,
                "hooks": hooks,
            }
        )
    return out
