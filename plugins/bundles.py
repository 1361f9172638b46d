"""Bundles checked and compiled with every loaded plugin: the one entry point for callers.

The kernel validates a bundle against the task types it is given; this module gives it
the registered ones and adds each task-type plugin's own checks
(`validate_task_settings`). The CLI and the platform both go through here.
"""

from __future__ import annotations

from typing import Any

from kernel.bundle import Definition, compile_bundle
from kernel.problems import InvalidBundle, Problem
from kernel.validation import BUILTIN_TASK_TYPES, validate
from plugins.manager import default_evaluator, get_plugin_manager, task_types


def initial_statuses() -> dict[str, str]:
    """Each registered task type's initial status, as the kernel takes them.

    Built-in types first in their usual order, then plugins' types by name, so that
    messages listing them read the same whatever order plugins registered in.
    """
    registered = task_types()
    order = [n for n in BUILTIN_TASK_TYPES if n in registered]
    order += sorted(n for n in registered if n not in BUILTIN_TASK_TYPES)
    return {name: registered[name].initial_status for name in order}


def validate_bundle(bundle: Any) -> list[Problem]:
    """Every problem of a bundle, the plugins' own checks of task settings included."""
    problems = validate(bundle, default_evaluator(), initial_statuses())
    if problems or not isinstance(bundle, dict):
        return problems
    hook = get_plugin_manager().hook.validate_task_settings
    for index, task in enumerate(bundle.get("tasks") or []):
        for found in hook(task=task, pointer=f"/tasks/{index}"):
            problems.extend(Problem(pointer, message) for pointer, message in found or [])
    return problems


def compile_definition(bundle: Any) -> Definition:
    """Validate (plugins included) and compile; raises InvalidBundle with every problem."""
    problems = validate_bundle(bundle)
    if problems:
        raise InvalidBundle(problems)
    return compile_bundle(bundle, default_evaluator(), initial_statuses())
