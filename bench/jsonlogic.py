"""Microseconds per evaluation of realistic workflow conditions: compiled vs panzi's apply.

Why: the kernel evaluates a condition for every candidate task of every step (target
20,000 steps/s); docs/jsonlogic.md records these figures. Run:
    .venv/bin/python bench/jsonlogic.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

# The repository root first: bench/kernel.py would otherwise shadow the kernel package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from json_logic import jsonLogic  # noqa: E402
from json_logic.builtins import BUILTINS  # noqa: E402

from plugins.jsonlogic import EVALUATOR  # noqa: E402
from plugins.jsonlogic.operations import OPERATIONS  # noqa: E402

CONTEXT = {
    "approved": False,
    "quote": 250,
    "items": [{"sku": "A", "qty": 2, "price": 10.5}, {"sku": "B", "qty": 1, "price": 99}],
    "$": {
        "iteration": 3,
        "written": ["quote"],
        "ticket": {"id": None, "definition": "Order", "created_by": None},
    },
}

RULES = {
    "simple ==": {"==": [{"var": "approved"}, True]},
    "simple >": {">": [{"var": "quote"}, 100]},
    "3-clause": {
        "or": [
            {"==": [{"var": "approved"}, True]},
            {"<=": [{"var": "quote"}, 100]},
            {"in": [{"var": "$.ticket.definition"}, ["Order", "Return"]]},
        ]
    },
    "reduce total": {
        ">": [
            {
                "reduce": [
                    {"var": "items"},
                    {
                        "+": [
                            {"var": "accumulator"},
                            {"*": [{"var": "current.qty"}, {"var": "current.price"}]},
                        ]
                    },
                    0,
                ]
            },
            100,
        ]
    },
}


def per_call_us(fn, number: int) -> float:
    best = min(timeit.repeat(fn, number=number, repeat=5))
    return best / number * 1e6


def main() -> None:
    print(
        f"{'rule':<14} {'compiled':>9} {'panzi+ops':>10} {'panzi raw':>10}   (µs/eval, best of 5)"
    )
    for name, rule in RULES.items():
        compiled = EVALUATOR.compile(rule)
        n = 50_000
        ours = per_call_us(lambda c=compiled: c(CONTEXT), n)
        apply_ops = per_call_us(lambda r=rule: jsonLogic(r, CONTEXT, OPERATIONS), n)
        apply_raw = per_call_us(lambda r=rule: jsonLogic(r, CONTEXT, BUILTINS), n)
        print(f"{name:<14} {ours:>9.2f} {apply_ops:>10.2f} {apply_raw:>10.2f}")
    rule = RULES["3-clause"]
    check_us = per_call_us(lambda: EVALUATOR.check(rule), 20_000)
    compile_us = per_call_us(lambda: EVALUATOR.compile(rule), 5_000)
    print(f"check() of the 3-clause rule: {check_us:.1f} µs; compile(): {compile_us:.1f} µs")


if __name__ == "__main__":
    main()
