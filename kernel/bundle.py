"""A bundle compiled once into an immutable definition the step function runs on.

Tasks and completions are indexed by the fields that trigger them, and every condition
is compiled once, so a step costs what it triggers, not what the workflow holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kernel.expressions import Compiled, Evaluator
from kernel.problems import InvalidBundle
from kernel.validation import BUILTIN_TASK_TYPES, validate
from kernel.workspace import field_checks

DEFAULT_MAX_ITERATIONS = 1000

# Status of a new instance per task type (docs/semantics.md, "Task types").


@dataclass(frozen=True)
class TaskDef:
    """One task definition, with its condition compiled (None when it always holds)."""

    index: int
    title: str
    task_type: str
    input_fields: tuple[str, ...]
    output_fields: tuple[str, ...]
    condition: Any
    check: Compiled | None
    initial_status: str
    raw: Any = field(repr=False, compare=False)


@dataclass(frozen=True)
class CompletionDef:
    """One workflow completion, with its condition compiled (None when it always holds)."""

    index: int
    title: str
    status: str
    fields: tuple[str, ...]
    condition: Any
    check: Compiled | None


@dataclass(frozen=True)
class TicketDef:
    """One ticket definition: the fields a submission may write."""

    title: str
    fields: frozenset[str]


@dataclass(frozen=True)
class Definition:
    """A compiled, valid bundle: everything a step needs and nothing it must recompute."""

    title: str
    max_iterations: int
    tasks: tuple[TaskDef, ...]
    completions: tuple[CompletionDef, ...]
    tickets: MappingProxyType  # title -> TicketDef
    tasks_by_title: MappingProxyType  # title -> TaskDef
    # field -> indexes (ascending, i.e. definition order) of the tasks it triggers
    tasks_by_field: MappingProxyType
    completions_by_field: MappingProxyType
    tasks_without_inputs: tuple[int, ...]
    field_checks: MappingProxyType  # field -> ValueCheck
    evaluator: Evaluator = field(repr=False, compare=False)
    bundle: Any = field(repr=False, compare=False)


def _compile(expr: Any, evaluator: Evaluator) -> Compiled | None:
    return None if expr is None else evaluator.compile(expr)


def _index(items: list[tuple[int, tuple[str, ...]]]) -> MappingProxyType:
    by_field: dict[str, list[int]] = {}
    for index, names in items:
        for name in names:
            by_field.setdefault(name, []).append(index)
    return MappingProxyType({name: tuple(ixs) for name, ixs in by_field.items()})


def compile_bundle(
    bundle: Any, evaluator: Evaluator, task_types: Mapping[str, str] = BUILTIN_TASK_TYPES
) -> Definition:
    """Validate and compile a bundle; raises InvalidBundle with every problem when invalid.

    `task_types` maps each known task type to its instances' initial status.
    """
    problems = validate(bundle, evaluator, task_types)
    if problems:
        raise InvalidBundle(problems)
    workflow = bundle["workflow"]
    tasks = tuple(
        TaskDef(
            index=i,
            title=t["title"],
            task_type=t["task_type"],
            input_fields=tuple(t["input_fields"]),
            output_fields=tuple(t["output_fields"]),
            condition=t.get("condition"),
            check=_compile(t.get("condition"), evaluator),
            initial_status=task_types[t["task_type"]],
            raw=t,
        )
        for i, t in enumerate(bundle.get("tasks") or [])
    )
    completions = tuple(
        CompletionDef(
            index=i,
            title=c["title"],
            status=c["completion_status"],
            fields=tuple(c["fields"]),
            condition=c.get("condition"),
            check=_compile(c.get("condition"), evaluator),
        )
        for i, c in enumerate(bundle.get("completions") or [])
    )
    tickets = {
        t["title"]: TicketDef(t["title"], frozenset(t["fields"]))
        for t in bundle.get("tickets") or []
    }
    return Definition(
        title=workflow["title"],
        max_iterations=workflow.get("max_iterations") or DEFAULT_MAX_ITERATIONS,
        tasks=tasks,
        completions=completions,
        tickets=MappingProxyType(tickets),
        tasks_by_title=MappingProxyType({t.title: t for t in tasks}),
        tasks_by_field=_index([(t.index, t.input_fields) for t in tasks]),
        completions_by_field=_index([(c.index, c.fields) for c in completions]),
        tasks_without_inputs=tuple(t.index for t in tasks if not t.input_fields),
        field_checks=MappingProxyType(field_checks(workflow["fields_schema"])),
        evaluator=evaluator,
        bundle=bundle,
    )
