"""Helpers of the notification tests: a workflow with a FORM task, people with addresses,
the emails a worker wrote with Django's file backend."""

from __future__ import annotations

import email
from pathlib import Path

from django.contrib.auth.models import User
from django_tenants.utils import schema_context

from tests.helpers import TenantHelper


def review_bundle(roles: list[str] | None = None) -> dict:
    """Ticket → a 'Review' FORM (roles `reviewer`) → COMPLETED once approved."""
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "Refund", "fields_schema": {"type": "object", "properties": {
            "amount": {"type": "number"}, "approved": {"type": "boolean"}}}},
        "tasks": [{"title": "Review", "task_type": "FORM", "input_fields": ["amount"],
                   "output_fields": ["approved"], "roles": roles or ["reviewer"]}],
        "completions": [{"title": "Done", "completion_status": "COMPLETED",
                         "fields": ["approved"], "condition": {"!!": [{"var": "approved"}]}}],
        "tickets": [{"title": "Refund", "fields": ["amount"],
                     "company_role_access": ["sales", "reviewer"]}],
    }  # fmt: skip


def person(helper: TenantHelper, username: str, email_address: str, *roles: str) -> User:
    user = helper.user(username, *roles)
    with schema_context(helper.slug):
        User.objects.filter(pk=user.pk).update(email=email_address)
    return user


def emails(directory: Path) -> list[email.message.Message]:
    """Every email the file backend wrote (one file per connection, messages separated
    by a line of dashes)."""
    found = []
    paths = (
        sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)
        if directory.exists()
        else []
    )
    for path in paths:
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                found.append(email.message_from_string(chunk.strip()))
    return found


def emails_to(directory: Path, address: str) -> list[email.message.Message]:
    return [m for m in emails(directory) if m["To"] == address]
