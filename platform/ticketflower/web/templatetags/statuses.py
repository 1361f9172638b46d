"""Statuses as people read them: `IN_PROGRESS` is shown "In progress", in a badge whose
colour says whether it needs someone (the API keeps the upper-case names)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()

# The colour family of each status; anything else is neutral.
_TONES = {
    "COMPLETED": "done",
    "RESOLVED": "done",
    "ERROR": "bad",
    "NEW": "bad",
    "ON_HOLD": "warn",
    "REVIEWED": "warn",
    "OPEN": "todo",
    "IN_PROGRESS": "todo",
    "PENDING": "todo",
}


@register.filter
def label(name: str | None) -> str:
    """`IN_PROGRESS` → `In progress` (an upper-case enum name as a phrase)."""
    return str(name or "").replace("_", " ").capitalize()


@register.filter
def words(name: str | None) -> str:
    """`condition_false` → `condition false` (a lower-case code as words)."""
    return str(name or "").replace("_", " ")


@register.simple_tag
def status_badge(name: str | None) -> str:
    """A status as a labelled, coloured badge; the raw name stays in `data-status`."""
    tone = _TONES.get(str(name), "neutral")
    return format_html(
        '<span class="badge tone-{}" data-status="{}">{}</span>', tone, name or "", label(name)
    )


@register.filter
def action_words(action: str | None) -> str:
    """An audit action as words: `task.claimed` → `task claimed`."""
    return words(str(action or "").replace(".", " "))
