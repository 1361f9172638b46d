"""Built-in plugin: the JsonLogic expression evaluator (default for conditions and transforms).

Registered by plugins.manager like any third-party plugin; see docs/jsonlogic.md.
"""

from __future__ import annotations

from typing import Any

from plugins.hookspecs import hookimpl
from plugins.jsonlogic.evaluator import JsonLogicEvaluator

EVALUATOR = JsonLogicEvaluator()


@hookimpl
def register_evaluators(register: Any) -> None:
    register("jsonlogic", EVALUATOR)
