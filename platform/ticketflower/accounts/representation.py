"""One representation of a user wherever a resource names one (a ticket's creator, a
task's assignee, an error's reviewer...): `{"id": 3, "username": "alice"}`, or null once
that user is deleted. Programs keep the id (what requests take), people read the name
(docs/decision-accounts-user-representation.md)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class UserRefSerializer(serializers.Serializer):
    """A user named by a resource."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


def user_ref(user: Any) -> dict[str, Any] | None:
    """The representation of a user (a User row, or None)."""
    return None if user is None else {"id": user.pk, "username": user.username}


def user_ref_field(help_text: str) -> UserRefSerializer:
    """A read-only, nullable user field of an output serializer."""
    return UserRefSerializer(read_only=True, allow_null=True, help_text=help_text)
