"""Strings PostgreSQL cannot store: NUL characters (in text and jsonb alike) and unpaired
surrogates (not UTF-8). JSON allows both (`"\\u0000"`, `"\\ud800"`), so a body can carry
them; they are refused where they come in, with where they sit, never left to fail as a
database error in the middle of a write."""

from __future__ import annotations

import re
from typing import Any

from ticketflower.api.errors import escape_pointer_token

_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str, *, nul: bool = True) -> str | None:
    """Why PostgreSQL cannot store `text`, or None when it can (`nul=False`: NUL passes)."""
    if nul and "\x00" in text:
        return "NUL characters (\\u0000) cannot be stored."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Unpaired surrogate characters cannot be stored."
    return None


def storable(text: str) -> str:
    """`text` with what PostgreSQL cannot store replaced by U+FFFD (for messages we compose
    from what other systems said, which are recorded whatever they hold)."""
    if unstorable(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text.replace("\x00", "\ufffd"))


def text_problems(value: Any, base: str = "", *, nul: bool = True) -> list[tuple[str, str]]:
    """(pointer, message) of every string, keys included, that PostgreSQL cannot store,
    anywhere in a JSON value (`nul=False`: only unpaired surrogates); iterative, so a
    deeply nested value cannot exhaust the stack."""
    problems: list[tuple[str, str]] = []
    stack = [(value, base)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            message = unstorable(node, nul=nul)
            if message:
                problems.append((where, message))
        elif isinstance(node, dict):
            for key, item in node.items():
                at = where + "/" + _token(key)
                message = unstorable(key, nul=nul) if isinstance(key, str) else None
                if message:
                    problems.append((at, "Key: " + message))
                stack.append((item, at))
        elif isinstance(node, list):
            stack.extend((item, f"{where}/{i}") for i, item in enumerate(node))
    problems.sort()
    return problems


def _token(key: Any) -> str:
    # The pointer goes back in the error response, which must be UTF-8 itself: an
    # unpaired surrogate in a key is written as its escape (\ud800).
    return escape_pointer_token(key).encode("utf-8", "backslashreplace").decode("utf-8")
