"""fields_schema's regular expressions (`pattern`, `patternProperties`) run on RE2.

Python's `re` backtracks: a valid pattern such as `^(a+)+$` takes exponential time on a
short value, and any ticket submitter would hold a server thread with it. RE2
(google-re2) matches in linear time; it has no lookarounds and no backreferences, so
validation refuses patterns that use them. jsonschema calls `re` itself, so the three
keywords that apply these patterns are replaced here. RE2 follows ECMA-262 (which JSON
Schema names) more closely than `re` does: `\\w`, `\\d`, `\\s` and `\\b` are ASCII, `$`
does not match before a final newline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema.exceptions import ValidationError

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _OPTIONS)


def error_reason(exc: Exception) -> str:
    """A regex engine's error as text (RE2 gives its reason as bytes)."""
    reason = exc.args[0] if exc.args else exc
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot run `pattern`, or None."""
    try:
        _compiled(pattern)
    except re2.error as exc:
        reason = error_reason(exc)
        return f"{pattern!r} is not a pattern RE2 runs: {reason} (no lookarounds, backreferences)"
    return None


def _search(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None


def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """The `pattern` keyword."""
    if validator.is_type(instance, "string") and not _search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def pattern_properties(
    validator: Any, patterns: dict, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """The `patternProperties` keyword."""
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        for key, value in instance.items():
            if _search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """The `additionalProperties` keyword (it applies `patternProperties` to find extras)."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in properties and not any(_search(p, key) for p in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        # jsonschema's own wording
        joined = ", ".join(repr(each) for each in sorted(extras, key=str))
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            listed = ", ".join(repr(each) for each in sorted(patterns))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({joined} {verb} unexpected)"
            )


KEYWORDS: dict[str, Callable[..., Any]] = {
    "pattern": pattern,
    "patternProperties": pattern_properties,
    "additionalProperties": additional_properties,
}
