"""Every shared term is defined once: a second spelling of it in the code fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    p for d in ("kernel", "platform", "plugins", "tenants") for p in (ROOT / d).rglob("*.py")
]
ACTIVE = {'"PENDING"', '"OPEN"', '"IN_PROGRESS"'}
# A literal collection, on one line or several: (...), [...] or {...}.
COLLECTION = re.compile(r"[\(\[\{]([^()\[\]{}]*)[\)\]\}]")


def _collections_naming(names: set[str]) -> list[str]:
    """Where a literal collection holds every one of `names` (file:line of its start)."""
    found = []
    for path in SOURCES:
        text = path.read_text()
        for match in COLLECTION.finditer(text):
            if names <= {item.strip() for item in match.group(1).split(",")}:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}")
    return found


def test_the_active_task_statuses_are_spelled_only_in_the_kernel():
    assert _collections_naming(ACTIVE) == ["kernel/state.py:20"]


def test_the_bundle_keys_are_spelled_only_in_the_kernel():
    # Keys every part has: a collection naming all three is a part's key list.
    common = {'"title"', '"ext_ref"', '"display_layout"'}
    found = [p for p in _collections_naming(common) if not p.startswith("kernel/validation.py")]
    assert found == []
