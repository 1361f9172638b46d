"""Django forms generated from a JSON Schema of an object (a ticket type's submission
schema, a task's output schema): one control per property, typed by its schema, so a
person never writes JSON. What a control cannot express (objects, arrays, unions) is a
JSON text area. The kernel still checks every value; its problems come back at the
field they point at."""

from __future__ import annotations

import json
from typing import Any

from django import forms

YES_NO = [("", "—"), ("true", "Yes"), ("false", "No")]


def _types(schema: dict[str, Any]) -> tuple[str | None, bool]:
    """The one JSON type a control can stand for, and whether null is allowed."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    nullable = "null" in kinds
    rest = [k for k in kinds if k != "null"]
    return (rest[0] if len(rest) == 1 else None), nullable


def _field(name: str, schema: dict[str, Any], required: bool) -> forms.Field:
    label = schema.get("title") or name.replace("_", " ").capitalize()
    common = {"label": label, "required": required, "help_text": schema.get("description", "")}
    kind, _ = _types(schema)
    if "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
        choices = [("", "—")] * (not required) + [(v, v) for v in schema["enum"]]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "boolean":
        return forms.TypedChoiceField(
            choices=YES_NO, coerce=lambda v: v == "true", empty_value=None, **common
        )
    if kind == "integer":
        return forms.IntegerField(
            min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common
        )
    if kind == "number":
        return forms.FloatField(
            min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common
        )
    if kind == "string":
        limits = {"max_length": schema.get("maxLength"), "min_length": schema.get("minLength")}
        fmt = schema.get("format")
        if fmt == "email":
            return forms.EmailField(**limits, **common)
        if fmt == "date":
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        long = (schema.get("maxLength") or 201) > 200
        widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput()
        return forms.CharField(widget=widget, strip=False, **limits, **common)
    return forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "json"}),
        **{**common, "help_text": (common["help_text"] + " (JSON)").strip()},
    )


class SchemaForm(forms.Form):
    """A form of an object's properties; `values()` gives the JSON object to send."""

    def __init__(self, schema: dict[str, Any] | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = schema or {}
        required = set(schema.get("required") or ())
        for name, sub in (schema.get("properties") or {}).items():
            self.fields[name] = _field(name, sub if isinstance(sub, dict) else {}, name in required)

    def values(self) -> dict[str, Any]:
        """The filled-in values as JSON (empty controls are left out, not sent as null)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value is None or value == "":
                continue
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return json.loads(json.dumps(out))

    def add_problems(self, problems: list[dict[str, str]], prefix: str) -> None:
        """Put an API refusal's problems (`/fields/amount: ...`) at their controls."""
        for problem in problems:
            where = problem["pointer"]
            name = (
                where[len(prefix) :].lstrip("/").split("/")[0] if where.startswith(prefix) else ""
            )
            self.add_error(name if name in self.fields else None, problem["message"])
