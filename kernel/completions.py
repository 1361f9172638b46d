"""Completions first (docs/semantics.md, Triggers rule 1).

The completions whose `fields` intersect W are evaluated in definition order until one's
condition holds; that one fires. One whose condition fails is a WORKFLOW_TRANSITION
error and does not fire.
"""

from __future__ import annotations

from collections.abc import Collection

from kernel import effects, explain
from kernel.bundle import CompletionDef, Definition
from kernel.conditions import Context, evaluate
from kernel.effects import Effect


def candidates(definition: Definition, written: Collection[str]) -> list[CompletionDef]:
    """Completions subscribed to any written field, in definition order."""
    by_field = definition.completions_by_field
    indexes: set[int] = set()
    for name in written:
        indexes.update(by_field.get(name, ()))
    return [definition.completions[i] for i in sorted(indexes)]


def first_to_fire(
    definition: Definition, written: Collection[str], context: Context
) -> tuple[CompletionDef | None, list[dict], list[Effect]]:
    """(the completion that fires or None, its decisions, its error effects)."""
    decisions: list[dict] = []
    errors: list[Effect] = []
    for completion in candidates(definition, written):
        holds, error = evaluate(completion.check, context, definition.evaluator)
        if error:
            decisions.append(
                explain.completion_decision(completion.title, explain.CONDITION_ERROR, error)
            )
            errors.append(
                effects.ticket_error(
                    effects.WORKFLOW_TRANSITION,
                    f"condition of completion '{completion.title}' failed: {error}",
                    completion=completion.title,
                )
            )
        elif holds:
            decisions.append(explain.completion_decision(completion.title, explain.FIRED))
            return completion, decisions, errors
        else:
            decisions.append(explain.completion_decision(completion.title, explain.CONDITION_FALSE))
    return None, decisions, errors
