"""A JsonLogic condition as a person reads it: `amount > 500 and policy_ok == true`.

Pure: the pages and the diagram show conditions this way; the JSON stays the definition.
"""

from __future__ import annotations

import json
from typing import Any

_INFIX = {
    "==", "===", "!=", "!==", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "in", "cat",
}  # fmt: skip
_COMPARISONS = {"==", "===", "!=", "!==", "<", "<=", ">", ">=", "in"}
_JOINERS = {"and": " and ", "or": " or "}


def condition_text(expr: Any) -> str:
    """The condition in words; `null` (no condition) is "always"."""
    if expr is None:
        return "always"
    return _text(expr, top=True)


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _text(expr: Any, top: bool = False, comparison_ok: bool = False) -> str:
    """`top`: nothing around it; `comparison_ok`: an operand of and/or, where a
    comparison needs no parentheses."""
    if not isinstance(expr, dict) or len(expr) != 1:
        if isinstance(expr, list):
            return "[" + ", ".join(_text(e) for e in expr) + "]"
        return _literal(expr)
    ((op, args),) = expr.items()
    items = args if isinstance(args, list) else [args]
    if op == "var":
        name = items[0] if items else ""
        return str(name) if name not in ("", None) else "the data"
    if op in _JOINERS:
        text = _JOINERS[op].join(_text(a, comparison_ok=True) for a in items)
        return text if top else f"({text})"
    if op in ("!", "!!"):
        inner = items[0] if items else None
        if isinstance(inner, dict) and set(inner) == {"missing"}:
            return ("" if op == "!!" else "none missing of ") + _names(inner["missing"])
        return f"not {_text(inner)}" if op == "!" else f"{_text(inner)} is set"
    if op == "missing":
        return f"missing one of {_names(args)}"
    if op == "missing_some":
        return f"missing some of {_names(items[1] if len(items) > 1 else [])}"
    if op in ("<", "<=") and len(items) == 3:
        return f"{_text(items[0])} {op} {_text(items[1])} {op} {_text(items[2])}"
    if op in _INFIX and len(items) == 2:
        text = f"{_text(items[0])} {op} {_text(items[1])}"
        bare = top or (comparison_ok and op in _COMPARISONS)
        return text if bare else f"({text})"
    if op == "if" and len(items) >= 2:
        text = f"if {_text(items[0])} then {_text(items[1])}"
        if len(items) > 2:
            text += f" else {_text(items[2] if len(items) == 3 else {'if': items[2:]})}"
        return text if top else f"({text})"
    return f"{op}(" + ", ".join(_text(a) for a in items) + ")"


def _names(fields: Any) -> str:
    names = fields if isinstance(fields, list) else [fields]
    return ", ".join(str(n) for n in names)


_PARTS = {"tasks": "task", "completions": "completion", "tickets": "ticket type"}


def location(bundle: Any, pointer: str) -> str:
    """Where a JSON pointer into a bundle is, in words: `/tasks/1/condition/and/0` →
    `task 'Approve' → condition → and → 1`; the empty pointer is "the bundle"."""
    if not pointer:
        return "the bundle"
    keys = [k.replace("~1", "/").replace("~0", "~") for k in pointer.lstrip("/").split("/")]
    words: list[str] = []
    if len(keys) >= 2 and keys[0] in _PARTS and keys[1].isdigit():
        index = int(keys[1])
        entries = bundle.get(keys[0]) if isinstance(bundle, dict) else None
        entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
        title = entry.get("title") if isinstance(entry, dict) else None
        name = f"'{title}'" if isinstance(title, str) and title else f"#{index + 1}"
        words.append(f"{_PARTS[keys[0]]} {name}")
        keys = keys[2:]
    words += keys
    return " → ".join(words)
