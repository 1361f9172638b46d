"""Django forms generated from a JSON Schema of an object (a ticket type's submission
schema, a task's output schema): one control per property, typed by its schema, so a
person never writes JSON. What a control cannot express (objects, arrays, unions) is a
JSON text area. The kernel still checks every value; its problems come back at the
field they point at."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
        long = (schema.get("maxLength") or 0) > 200
        widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput()
        return forms.CharField(widget=widget, strip=False, **limits, **common)
    return forms.JSONField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "json"}),
        **{**common, "help_text": (common["help_text"] + " (JSON)").strip()},
    )


SCALARS = {"string", "integer", "number", "boolean"}
LINES = 5  # blank lines offered for a list of records (more through the API)


def _resolved(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """A subschema with a local `$ref` (`#/$defs/NAME`) followed."""
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return (root.get("$defs") or {}).get(ref.rsplit("/", 1)[-1]) or {}
    return schema


@dataclass
class LineGroup:
    """A list of records (an array of flat objects): one row of controls per record."""

    name: str
    label: str
    columns: list[tuple[str, str, str]]  # (key, label, JSON type)
    required: bool
    rows: list[list[tuple[str, str, Any]]] = field(
        default_factory=list
    )  # (input name, aria, value)


def _line_group(name: str, schema: dict[str, Any], root: dict[str, Any], required: bool):
    kind, _ = _types(schema)
    item = _resolved(schema.get("items"), root)
    props = item.get("properties") if _types(item)[0] == "object" else None
    if kind != "array" or not props:
        return None
    columns = []
    for key, sub in props.items():
        sub_kind, _ = _types(_resolved(sub, root))
        if sub_kind not in SCALARS:
            return None
        columns.append((key, key.replace("_", " ").capitalize(), sub_kind))
    label = schema.get("title") or name.replace("_", " ").capitalize()
    return LineGroup(name, label, columns, required)


def _coerce(text: str, kind: str) -> Any:
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        return text.lower() in ("true", "yes", "1")
    return text


class SchemaForm(forms.Form):
    """A form of an object's properties; `values()` gives the JSON object to send.

    A list of flat records (an order's lines) is a table of rows (`groups`), one control
    per column, instead of JSON text.
    """

    def __init__(self, schema: dict[str, Any] | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = schema or {}
        required = set(schema.get("required") or ())
        self.groups: list[LineGroup] = []
        for name, sub in (schema.get("properties") or {}).items():
            sub = sub if isinstance(sub, dict) else {}
            group = _line_group(name, sub, schema, name in required)
            if group is None:
                # A field defined by reference ({"$ref": "#/$defs/money"}) is the control
                # of what it refers to, with its own title and description on top.
                own = {k: v for k, v in sub.items() if k != "$ref"}
                self.fields[name] = _field(
                    name, {**_resolved(sub, schema), **own}, name in required
                )
            else:
                self._lay_out(group)
                self.groups.append(group)

    def _lay_out(self, group: LineGroup) -> None:
        """The rows shown: what was posted or is there already, then blank lines."""
        if self.is_bound:
            values = [
                {key: self.data.get(f"{group.name}-{i}-{key}", "") for key, _, _ in group.columns}
                for i in range(self._posted_rows(group))
            ]
        else:
            values = list(self.initial.get(group.name) or [])
        values += [{}] * LINES
        for i, row in enumerate(values[: max(len(values), LINES)]):
            group.rows.append(
                [
                    (f"{group.name}-{i}-{key}", f"{label} of line {i + 1}", row.get(key, ""))
                    for key, label, _ in group.columns
                ]
            )

    def _posted_rows(self, group: LineGroup) -> int:
        prefix = f"{group.name}-"
        indexes = [
            int(key[len(prefix) :].split("-", 1)[0])
            for key in self.data
            if key.startswith(prefix) and key[len(prefix) :].split("-", 1)[0].isdigit()
        ]
        return max(indexes) + 1 if indexes else 0

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for group in self.groups:
            records, bad = [], False
            for i in range(self._posted_rows(group)):
                texts = {
                    key: (self.data.get(f"{group.name}-{i}-{key}") or "").strip()
                    for key, _, _ in group.columns
                }
                if not any(texts.values()):
                    continue
                try:
                    records.append(
                        {
                            key: _coerce(texts[key], kind)
                            for key, _, kind in group.columns
                            if texts[key]
                        }
                    )
                except ValueError:
                    bad = True
                    self.add_error(None, f"{group.label}, line {i + 1}: a value is not a number.")
            if group.required and not records and not bad:
                self.add_error(None, f"{group.label}: give at least one line.")
            if records:
                cleaned[group.name] = records
        return cleaned

    def values(self) -> dict[str, Any]:
        """The filled-in values as JSON (empty controls are left out, not sent as null)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value is None or value == "":
                continue
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return json.loads(json.dumps(out))

    def add_problems(self, problems: list[dict[str, str]], prefix: str) -> None:
        """Put an API refusal's problems (`/fields/amount: ...`) at their controls (a
        list's problems above the form, naming the list)."""
        labels = {g.name: g.label for g in self.groups}
        for problem in problems:
            where = problem["pointer"]
            name = (
                where[len(prefix) :].lstrip("/").split("/")[0] if where.startswith(prefix) else ""
            )
            if name in self.fields:
                self.add_error(name, problem["message"])
            else:
                self.add_error(None, f"{labels.get(name, name)}: {problem['message']}".strip(": "))
