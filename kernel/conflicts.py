"""Parallel writes are an error (docs/semantics.md): no two active instances share an output field.

A task that would start while an active instance (started earlier, or earlier in the same
step, the same definition included) has output fields in common gets an ERROR instance.
"""

from __future__ import annotations

from collections.abc import Iterable

from kernel.bundle import Definition, TaskDef
from kernel.state import Instance


class OutputOwners:
    """Which active instance owns each output field, kept as instances start in a step."""

    __slots__ = ("_owner",)

    def __init__(self, definition: Definition, active: Iterable[Instance]):
        self._owner: dict[str, Instance] = {}
        tasks = definition.tasks_by_title
        for inst in active:
            self.claim(inst, tasks[inst["task"]])

    def claim(self, inst: Instance, task: TaskDef) -> None:
        """Record that `inst` (now active) will write the outputs of `task`."""
        for name in task.output_fields:
            self._owner.setdefault(name, inst)

    def conflict(self, task: TaskDef) -> tuple[Instance, list[str]] | None:
        """The oldest active instance sharing output fields with `task`, and those fields."""
        holders = [self._owner[n] for n in task.output_fields if n in self._owner]
        if not holders:
            return None
        first = min(holders, key=lambda inst: inst["seq"])
        common = sorted(n for n in task.output_fields if self._owner.get(n) is first)
        return first, common


def message(task: TaskDef, holder: Instance, common: list[str]) -> str:
    """The TASK_CREATION error text naming the active instance and the common fields."""
    fields = ", ".join(common)
    return (
        f"task '{task.title}' not started: active instance #{holder['seq']} of "
        f"'{holder['task']}' also writes {fields}"
    )
