"""A task's deadline as people read it: "due in 2 h", "overdue by 3 h", with a badge
that says Overdue in words (not only by colour)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils.html import format_html

register = template.Library()


def span(delta: timedelta) -> str:
    """A positive duration, rounded down to its largest sensible unit: `45 min`, `3 h`,
    `2 days`."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 3600:
        return f"{max(seconds // 60, 1)} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def deadline_words(deadline: datetime | None, now: datetime, active: bool = True) -> str:
    """`due in 2 h` before the deadline, `overdue by 3 h` after it; '' without one or
    once the task ended (an ended task is never overdue)."""
    if deadline is None or not active:
        return ""
    if deadline <= now:
        return f"overdue by {span(now - deadline)}"
    return f"due in {span(deadline - now)}"


@register.simple_tag
def deadline_badge(task: dict) -> str:
    """The badge of a task card: Overdue (with how long, and the time in its title), or
    nothing when it is not overdue."""
    if not task.get("overdue"):
        return ""
    return format_html(
        '<span class="badge tone-bad overdue" title="Deadline {}">Overdue</span>',
        task.get("deadline_at") or "",
    )
