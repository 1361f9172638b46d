"""Then tasks (docs/semantics.md, Triggers rules 2-5): candidates, conditions, instances.

Each task whose input_fields intersect W is a candidate, in definition order; a task with
no input_fields is a candidate at iteration 0 only. A candidate whose condition holds
starts with start_iteration = j, unless it conflicts with an active instance.
"""

from __future__ import annotations

from collections.abc import Collection

from kernel import conflicts, effects, explain
from kernel.bundle import Definition, TaskDef
from kernel.conditions import Context, evaluate
from kernel.effects import Effect
from kernel.state import Instance, instance


def candidates(definition: Definition, written: Collection[str], iteration: int) -> list[TaskDef]:
    """Tasks subscribed to any written field (and input-less ones at 0), in definition order."""
    by_field = definition.tasks_by_field
    if len(written) == 1 and iteration:
        # The common case, one written field: the index already holds definition order.
        (name,) = written
        return [definition.tasks[i] for i in by_field.get(name, ())]
    indexes: set[int] = set(definition.tasks_without_inputs) if iteration == 0 else set()
    for name in written:
        indexes.update(by_field.get(name, ()))
    return [definition.tasks[i] for i in sorted(indexes)]


def start_tasks(
    definition: Definition,
    written: Collection[str],
    iteration: int,
    context: Context,
    active: list[Instance],
    next_seq: int,
) -> tuple[list[dict], list[Effect], int]:
    """Run the task triggers of one iteration.

    Appends the started instances to `active`; returns (decisions, effects, next_seq).
    """
    decisions: list[dict] = []
    out: list[Effect] = []
    owners: conflicts.OutputOwners | None = None
    for task in candidates(definition, written, iteration):
        holds, error = evaluate(task.check, context, definition.evaluator)
        if error:
            decisions.append(
                explain.task_decision(task.title, explain.CONDITION_ERROR, None, error)
            )
            message = f"condition of task '{task.title}' failed: {error}"
            out.append(effects.ticket_error(effects.TASK_CREATION, message, task=task.title))
            continue
        if not holds:
            decisions.append(explain.task_decision(task.title, explain.CONDITION_FALSE))
            continue
        if owners is None:
            owners = conflicts.OutputOwners(definition, active)
        seq, next_seq = next_seq, next_seq + 1
        found = owners.conflict(task)
        if found is not None:
            holder, common = found
            decisions.append(explain.task_decision(task.title, explain.CONFLICT, seq))
            out.append(effects.task_created(seq, task.title, task.task_type, "ERROR", iteration))
            out.append(
                effects.ticket_error(
                    effects.TASK_CREATION,
                    conflicts.message(task, holder, common),
                    task=task.title,
                    seq=seq,
                )
            )
            continue
        inst = instance(seq, task.title, task.initial_status, iteration)
        active.append(inst)
        owners.claim(inst, task)
        decisions.append(explain.task_decision(task.title, explain.STARTED, seq))
        out.append(
            effects.task_created(seq, task.title, task.task_type, task.initial_status, iteration)
        )
    return decisions, out, next_seq
