"""Serializer base: unknown fields are errors, not silently ignored."""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers

# Keys a browser's HTML form adds to what it posts (Django's CSRF token; DRF's browsable
# API's method and content overrides): part of the form, not of the resource.
FORM_KEYS = frozenset({"csrfmiddlewaretoken", "_method", "_content_type", "_content"})


class StrictMixin:
    """Refuse input keys the serializer does not declare (a typo must not pass silently).

    A form body (a QueryDict: form-encoded or multipart) may also carry the form's own
    keys (FORM_KEYS); a JSON body may not.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, f in self.fields.items() if not f.read_only}
            if isinstance(data, QueryDict):
                known |= FORM_KEYS
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    """A plain serializer that refuses unknown fields."""


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    """A model serializer that refuses unknown fields."""
