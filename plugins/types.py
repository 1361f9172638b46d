"""Plain data types shared by the host and plugins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TaskType:
    """A kind of task: its name (a bundle's `task_type`) and how its instances start.

    `initial_status` is OPEN for work people claim, PENDING for work a worker picks up.
    `settings` names the task-definition keys the type uses (e.g. action_url).
    """

    name: str
    initial_status: str
    description: str = ""
    settings: tuple[str, ...] = ()
    plugin: str = ""


@dataclass(frozen=True)
class TaskEvent:
    """A task instance's lifecycle moment, with what a plugin needs to act on it."""

    schema_name: str
    task_instance_id: int
    task_type: str
    task_title: str
    workflow_instance_id: int
    status: str
    extra: dict[str, Any] = field(default_factory=dict)
