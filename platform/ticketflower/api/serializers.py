"""Serializer base: unknown fields are errors, not silently ignored."""

from __future__ import annotations

from rest_framework import serializers


class StrictMixin:
    """Refuse input keys the serializer does not declare (a typo must not pass silently)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    """A plain serializer that refuses unknown fields."""


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    """A model serializer that refuses unknown fields."""
