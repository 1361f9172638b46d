"""Forms for editing a draft workflow piece by piece, without writing a bundle: its own
settings and fields, and each task, completion and ticket type.

Choices come from the workflow (its field names), the company (its roles) and the
plugins (task types and the settings each uses); the service layer still checks every
value, and its problems come back at the control they point at.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms

from kernel.validation import MAX_DEADLINE, MIN_DEADLINE
from plugins.manager import task_types

# How a field is typed in the simple editor; anything else is edited as JSON Schema.
KINDS: dict[str, dict[str, Any] | None] = {
    "string": {"type": "string"},
    "text": {"type": "string", "maxLength": 5000},
    "email": {"type": "string", "format": "email"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "list": {"type": "array", "items": {"type": "string"}},
    "json": None,
}
KIND_LABELS = {
    "string": "Text (one line)", "text": "Text (long)", "email": "E-mail address",
    "number": "Number",
    "integer": "Whole number", "boolean": "Yes / no", "date": "Date",
    "list": "List of texts", "json": "Other (JSON Schema below)",
}  # fmt: skip


class JSONText(forms.CharField):
    """A JSON value written in a text area; empty is null."""

    widget = forms.Textarea(attrs={"rows": 3, "class": "code", "spellcheck": "false"})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text in ("", None):
            return None
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(f"Not JSON: {getattr(error, 'msg', error)}.") from None

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


def _names(values: list[str]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def _checkboxes(label: str, choices: list[str], help_text: str = "") -> forms.Field:
    return forms.MultipleChoiceField(
        label=label, choices=_names(choices), required=False, help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


class ProblemsForm(forms.Form):
    """A form that shows the service's problems at the control each points at."""

    def add_problems(self, problems: list[dict[str, Any]]) -> None:
        for problem in problems:
            key = problem["pointer"].lstrip("/").split("/")[0]
            self.add_error(key if key in self.fields else None, problem["message"])


def _settings_help() -> dict[str, str]:
    """Which task types use each setting (from the plugins' declarations)."""
    used: dict[str, list[str]] = {}
    for kind in task_types().values():
        for key in kind.settings:
            used.setdefault(key, []).append(kind.name)
    return {key: "Used by " + ", ".join(sorted(names)) + "." for key, names in used.items()}


def task_form(fields: list[str], company_roles: list[str], data: Any = None, initial: Any = None):
    """The form of a task: what it is, what it reads and writes, when, who, settings."""
    settings_help = _settings_help()
    types = sorted(task_types().values(), key=lambda t: t.name)

    class TaskForm(ProblemsForm):
        title = forms.CharField(max_length=200)
        description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
        task_type = forms.ChoiceField(
            label="Type",
            choices=[(t.name, f"{t.name} — {t.description}" if t.description else t.name)
                     for t in types],
        )  # fmt: skip
        input_fields = _checkboxes(
            "Reads", fields, "Written by the ticket or another task, these start it. None: it "
            "starts with the ticket.",
        )  # fmt: skip
        output_fields = _checkboxes("Writes", fields, "What completing it writes.")
        condition = JSONText(
            required=False,
            help_text='Starts only when this JsonLogic holds, e.g. {">": [{"var": "amount"}, '
            "500]}. Empty: always.",
        )
        roles = _checkboxes("Who may claim it", company_roles, "None: anyone who sees the ticket.")
        action_url = forms.CharField(
            label="Action URL", required=False, help_text=settings_help.get("action_url", "")
        )
        input_transform = JSONText(
            required=False, help_text=settings_help.get("input_transform", "")
        )
        output_transform = JSONText(
            required=False, help_text=settings_help.get("output_transform", "")
        )
        timeout_seconds = forms.IntegerField(
            required=False, min_value=1, help_text=settings_help.get("timeout_seconds", "")
        )
        callback_timeout_seconds = forms.IntegerField(
            label="Callback deadline (seconds)",
            required=False,
            min_value=1,
            help_text="How long its callback is waited for before the task fails (default: "
            "the service's). " + settings_help.get("callback_timeout_seconds", ""),
        )
        deadline_seconds = forms.IntegerField(
            label="Deadline (seconds)",
            required=False,
            min_value=MIN_DEADLINE,
            max_value=MAX_DEADLINE,
            help_text="A person's task is overdue this long after it starts (3600: an hour, "
            "86400: a day); empty: no deadline.",
        )

    return TaskForm(data=data, initial=initial)


def completion_form(fields: list[str], data: Any = None, initial: Any = None):
    """The form of a completion: which fields it watches, when it fires, how it ends."""

    class CompletionForm(ProblemsForm):
        title = forms.CharField(max_length=200)
        description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
        completion_status = forms.ChoiceField(
            label="Ends the run as",
            choices=[("COMPLETED", "Completed"), ("CANCELLED", "Cancelled")],
        )
        fields_ = _checkboxes("Watches", fields, "Checked each time one of these is written.")
        condition = JSONText(required=False, help_text="Fires when this JsonLogic holds.")

    return _renamed(CompletionForm(data=data, initial=initial), "fields_", "fields")


def ticket_form(fields: list[str], company_roles: list[str], data: Any = None, initial: Any = None):
    """The form of a ticket type: what a submission writes, and who may submit it."""

    class TicketForm(ProblemsForm):
        title = forms.CharField(max_length=200)
        description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
        fields_ = _checkboxes("Asks for", fields, "The fields a person fills in when submitting.")
        company_role_access = _checkboxes("Who may submit", company_roles)

    return _renamed(TicketForm(data=data, initial=initial), "fields_", "fields")


def _renamed(form: forms.Form, old: str, new: str) -> forms.Form:
    """The form with a control renamed in place (`fields` cannot be a Form attribute)."""
    form.fields = {new if key == old else key: field for key, field in form.fields.items()}
    return form


FORMS = {"tasks": task_form, "completions": completion_form, "tickets": ticket_form}


def part_values(form: forms.Form) -> dict[str, Any]:
    """The cleaned form as the service's part values (blank text is null)."""
    values = dict(form.cleaned_data)
    for key in ("description", "action_url"):
        if key in values and not values[key]:
            values[key] = None
    return values


# ---------------------------------------------------------------- the workflow's fields


class WorkflowForm(ProblemsForm):
    """The workflow's own settings."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    max_iterations = forms.IntegerField(
        min_value=1, help_text="A run stops (on hold) after this many steps: a loop guard."
    )


class FieldRow(forms.Form):
    """One field of the workflow: a name, a kind, a description; JSON Schema if needed."""

    name = forms.SlugField(required=False, max_length=100, allow_unicode=False)
    kind = forms.ChoiceField(
        label="Type", choices=list(KIND_LABELS.items()), initial="string", required=False
    )
    description = forms.CharField(required=False, max_length=500)
    required = forms.BooleanField(required=False, label="Required on submission")
    schema = JSONText(required=False, label="JSON Schema (for Other)")
    delete = forms.BooleanField(required=False, label="Remove")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            data.get("name")
            and data.get("kind") == "json"
            and not isinstance(data.get("schema"), dict)
        ):
            self.add_error("schema", "Write this field's JSON Schema (an object).")
        return data


FieldRows = forms.formset_factory(FieldRow, extra=3)


def field_rows_initial(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a fields_schema, each in the simplest kind that says it exactly."""
    required = set(schema.get("required") or [])
    rows = []
    for name, spec in (schema.get("properties") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        bare = {k: v for k, v in spec.items() if k != "description"}
        kind = next((k for k, v in KINDS.items() if v == bare), "json")
        rows.append({
            "name": name, "kind": kind, "description": spec.get("description", ""),
            "required": name in required, "schema": spec if kind == "json" else None,
        })  # fmt: skip
    return rows


def fields_schema(rows: Any, previous: dict[str, Any]) -> dict[str, Any]:
    """The fields_schema the rows say, keeping the previous one's other keys ($defs...)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for row in rows.cleaned_data:
        name = row.get("name")
        if not name or row.get("delete"):
            continue
        kind = row.get("kind") or "string"
        spec = dict(row["schema"] if kind == "json" else KINDS[kind] or {})
        if row.get("description"):
            spec["description"] = row["description"]
        properties[name] = spec
        if row.get("required"):
            required.append(name)
    schema = {k: v for k, v in previous.items() if k not in ("properties", "required")}
    schema.update({"type": "object", "properties": properties})
    if required:
        schema["required"] = required
    return schema
