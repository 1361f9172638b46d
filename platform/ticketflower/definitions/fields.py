"""Serializer fields for the JSON columns: typed in OpenAPI, JSON text in HTML forms.

The browsable API is the tenant admins' UI for now, so every JSON value must be editable
in a form: these fields render as text areas holding JSON (blank means null), while JSON
bodies carry plain JSON values. Their shape is declared for OpenAPI; the rules beyond
the shape (field names in the schema, expressions that parse) are the kernel's.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from ticketflower.api.serializers import StrictSerializer
from ticketflower.definitions.models import FIELD_NAME_LENGTH
from ticketflower.postgresql.text import text_problems


class JSONValueField(serializers.JSONField):
    """Any JSON value; in an HTML form, JSON text where a blank box means null."""

    default_error_messages = {"deep": "The value is nested too deeply."}

    def get_value(self, dictionary: Any) -> Any:
        value = super().get_value(dictionary)
        if getattr(value, "is_json_string", False) and not value.strip():
            return None if self.allow_null else empty
        return value

    def to_internal_value(self, data: Any) -> Any:
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            self.fail("deep")
        if value is None and not self.allow_null:
            # JSON text "null" from a form bypasses DRF's own null check.
            self.fail("null")
        problems = text_problems(value)
        if problems:
            where, message = problems[0]
            raise serializers.ValidationError(f"{where or '/'}: {message}")
        return value


class ExtRefSerializer(StrictSerializer):
    """An external reference: a labelled link to documentation."""

    label = serializers.CharField()
    desc = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    uri = serializers.CharField()


@extend_schema_field(ExtRefSerializer(many=True, allow_null=True))
class ExtRefField(JSONValueField):
    """`ext_ref`: a list of {label, desc, uri} (checked by the kernel), or null."""


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "maxLength": FIELD_NAME_LENGTH},
        "description": "Names of properties of the workflow's fields_schema.",
    }
)
class NameListField(JSONValueField):
    """A list of names (fields of the workspace, or roles) stored in a varchar(100)[] column."""

    default_error_messages = {
        "not_a_list": "Expected a list of names.",
        "too_long": f"Names are limited to {FIELD_NAME_LENGTH} characters.",
        "not_a_string": "A name must be a string.",
    }

    def to_internal_value(self, data: Any) -> list[str]:
        value = super().to_internal_value(data)
        if value is None:
            return value
        if not isinstance(value, list):
            self.fail("not_a_list")
        errors: dict[int, list[str]] = {}
        for index, name in enumerate(value):
            if not isinstance(name, str):
                errors[index] = [self.error_messages["not_a_string"]]
            elif len(name) > FIELD_NAME_LENGTH:
                errors[index] = [self.error_messages["too_long"]]
        if errors:
            # A dict keyed by index flattens to pointers such as /input_fields/2.
            raise serializers.ValidationError(errors)
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": 'A JSON Schema with "type": "object" and properties: the workspace fields.',
    }
)
class FieldsSchemaField(JSONValueField):
    """`fields_schema`: a JSON Schema object (its validity is checked by the kernel)."""


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "nullable": True,
        "description": "Each key mapped to an expression (JsonLogic).",
    }
)
class TransformField(JSONValueField):
    """An input or output transform: each key mapped to an expression, or null."""


@extend_schema_field({"description": "A JsonLogic expression (any JSON value); null always holds."})
class ConditionField(JSONValueField):
    """A condition: a JsonLogic expression, or null (always holds)."""
