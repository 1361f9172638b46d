"""Problems and findings: what validation and analysis report, each at a JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def pointer(*parts: str | int) -> str:
    """A JSON pointer (RFC 6901) from path parts: pointer("tasks", 1) == "/tasks/1"."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bundle, scenario, output or correction."""

    pointer: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form: {"pointer", "message"}."""
        return {"pointer": self.pointer, "message": self.message}


@dataclass(frozen=True)
class Finding:
    """A static-analysis observation: a warning (likely a design mistake) or information."""

    kind: str
    level: str  # "warning" or "info"
    pointer: str
    message: str
    pointers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `ticketflower analyze`."""
        return {
            "kind": self.kind,
            "level": self.level,
            "pointer": self.pointer,
            "message": self.message,
            "pointers": list(self.pointers),
        }


class InvalidBundle(Exception):
    """A bundle that cannot be compiled; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"invalid bundle: {len(problems)} problem(s)")
        self.problems = problems
