"""Input fields that a person can fill in through the browsable API's HTML forms."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

# Role names (Django's Group.name).
NAME_LENGTH = 100


@extend_schema_field({"type": "object", "additionalProperties": {"nullable": True}})
class JSONObjectField(serializers.JSONField):
    """A JSON object. In a JSON body it is the object itself; in an HTML form it is typed
    as JSON text in a textarea (DRF's DictField has no HTML input at all)."""

    default_error_messages = {"not_an_object": "Expected a JSON object, not {kind}."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("style", {"base_template": "textarea.html", "rows": 6})
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_an_object", kind=_JSON_KINDS.get(type(value), "a value"))
        return value


_JSON_KINDS = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH}}
)
class NameListInputField(serializers.JSONField):
    """A list of names. In a JSON body, an array of strings; in an HTML form, the names
    separated by commas or spaces, or a JSON array (what the edit form shows)."""

    default_error_messages = {
        "not_a_list": "Expected a list of names.",
        "not_a_name": f"Expected a name of 1 to {NAME_LENGTH} characters.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("style", {"base_template": "textarea.html", "rows": 2})
        super().__init__(**kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            text = dictionary.get(self.field_name) or ""
            if not text.lstrip().startswith("["):
                return text.replace(",", " ").split()
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> list[str]:
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            self.fail("not_a_list")
        wrong = {
            i: [self.error_messages["not_a_name"]]
            for i, name in enumerate(value)
            if not isinstance(name, str) or not 0 < len(name) <= NAME_LENGTH
        }
        if wrong:
            raise serializers.ValidationError(wrong)
        return value


class StrictCharField(serializers.CharField):
    """Text that must be sent as a JSON string: 42 is refused, not turned into "42"."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)
