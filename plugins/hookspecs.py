"""Hook specifications of TicketFlower plugins (project name "ticketflower").

Each hook is documented in docs/plugins.md and has a test in tests/plugins/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("ticketflower")
hookimpl = pluggy.HookimplMarker("ticketflower")


@hookspec
def register_evaluators(register: Callable[[str, Any], None]) -> None:
    """Register expression evaluators: call register(name, evaluator) for each."""
