"""Cycles, stalls and runaway loops (docs/semantics.md): the guards run around every step.

- Runaway: an iteration j with j - r >= max_iterations keeps its data but triggers
  nothing; the first such iteration since r puts the workflow ON_HOLD with one error.
- Stall: after a step, an IN_PROGRESS workflow with no active task goes ON_HOLD.
"""

from __future__ import annotations

from kernel import effects
from kernel.bundle import Definition
from kernel.effects import Effect
from kernel.state import State


def over_limit(definition: Definition, iteration: int, r: int) -> bool:
    """Whether iteration j is past the runaway limit counted from r."""
    return iteration - r >= definition.max_iterations


def runaway(definition: Definition, state: State) -> list[Effect]:
    """Effects of reaching the limit: ON_HOLD and one error, unless already raised since r."""
    if state["runaway_raised"]:
        return []
    state["runaway_raised"] = True
    out: list[Effect] = [
        effects.ticket_error(
            effects.WORKFLOW_TRANSITION,
            f"runaway: iteration {state['iteration']} is {definition.max_iterations} or more "
            f"iterations after iteration {state['r']} (max_iterations); nothing was triggered",
        )
    ]
    if state["status"] != "ON_HOLD":
        state["status"] = "ON_HOLD"
        out.append(effects.workflow_status("ON_HOLD"))
    return out


def stall(state: State) -> list[Effect]:
    """Effects of the stall check run after every step."""
    if state["status"] != "IN_PROGRESS" or state["active"]:
        return []
    state["status"] = "ON_HOLD"
    return [
        effects.ticket_error(
            effects.WORKFLOW_TRANSITION,
            f"stalled: no active task after iteration {state['iteration']}",
        ),
        effects.workflow_status("ON_HOLD"),
    ]
