"""Writes of notifications' settings: a person's kinds, the company's webhooks."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ticketflower.api.errors import ProblemError
from ticketflower.audit.trail import record
from ticketflower.notifications.kinds import EVENTS, PERSONAL
from ticketflower.notifications.models import Preference, Webhook


def preferences_of(user: Any) -> list[dict[str, Any]]:
    """Every kind a person may turn off, with whether emails of it are on."""
    off = set(Preference.objects.filter(user=user, email=False).values_list("kind", flat=True))
    return [
        {"kind": kind.value, "label": kind.label, "email": kind.value not in off}
        for kind in PERSONAL
    ]


@transaction.atomic
def do_set_preferences(user: Any, changes: Any) -> list[dict[str, Any]]:
    """Turn kinds on or off: `{"task_assigned": false, ...}` (400 at the kind's pointer)."""
    if not isinstance(changes, dict):
        raise ProblemError("Expected an object.", [("", "An object of kind: true or false.")])
    known = {k.value for k in PERSONAL}
    problems = [
        (f"/{kind}", f"Unknown kind; one of {', '.join(sorted(known))}.")
        for kind in changes
        if kind not in known
    ] + [
        (f"/{kind}", "Must be true or false.")
        for kind, on in changes.items()
        if kind in known and not isinstance(on, bool)
    ]
    if problems:
        raise ProblemError("Invalid notification settings.", problems)
    for kind, on in changes.items():
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"email": on})
    return preferences_of(user)


def _webhook_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for index, kind in enumerate(values.get("kinds") or []):
        if kind not in {k.value for k in EVENTS}:
            problems.append((f"/kinds/{index}", f"{kind!r} is not a kind of event."))
    url = values.get("url")
    if url is not None and not str(url).startswith(("http://", "https://")):
        problems.append(("/url", "An http or https URL."))
    return problems


@transaction.atomic
def do_create_webhook(*, created_by: Any, **values: Any) -> Webhook:
    """A new receiver of the company's events."""
    problems = _webhook_problems(values)
    if problems:
        raise ProblemError("Invalid webhook.", problems)
    webhook = Webhook.objects.create(created_by=created_by, **values)
    record("webhook.created", webhook, details={"url": webhook.url, "kinds": webhook.kinds})
    return webhook


@transaction.atomic
def do_update_webhook(webhook: Webhook, **changes: Any) -> Webhook:
    """Change a webhook (its URL, kinds, description, whether it is active)."""
    problems = _webhook_problems(changes)
    if problems:
        raise ProblemError("Invalid webhook.", problems)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    for key, value in changes.items():
        setattr(webhook, key, value)
    webhook.save()
    record("webhook.changed", webhook, details={"fields": sorted(changes)})
    return webhook


@transaction.atomic
def do_delete_webhook(webhook: Webhook) -> None:
    """Remove a webhook; what was already sent to it stays in the deliveries."""
    record("webhook.deleted", webhook, details={"url": webhook.url})
    webhook.delete()
