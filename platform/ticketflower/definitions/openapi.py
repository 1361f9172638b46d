"""OpenAPI-only serializers: the bundle, scenario, trace and report formats (docs/bundle-format.md).

These describe request and response bodies for the schema and generated clients; they
never validate. Bundles and scenarios are checked by the kernel, which reports every
problem at once with a pointer, something a serializer would not do.
"""

from __future__ import annotations

from rest_framework import serializers

from kernel.validation import FORMAT
from ticketflower.definitions.fields import (
    ConditionField,
    ExtRefField,
    FieldsSchemaField,
    NameListField,
    TransformField,
)
from ticketflower.definitions.models import CompletionStatus

# The statuses a trace ends in: the workflow's, or SCENARIO_ERROR.
TRACE_STATUS_CHOICES = [
    (name, name) for name in ("IN_PROGRESS", "COMPLETED", "CANCELLED", "ON_HOLD", "SCENARIO_ERROR")
]
FINDING_LEVEL_CHOICES = [("warning", "warning"), ("info", "info")]
FORMAT_CHOICES = [(FORMAT, FORMAT)]

_optional_text = {"required": False, "allow_null": True, "allow_blank": True}


class BundleWorkflowSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(**_optional_text)
    ext_ref = ExtRefField(required=False, allow_null=True)
    fields_schema = FieldsSchemaField()
    max_iterations = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    display_layout = serializers.CharField(**_optional_text)


class BundleTaskSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(**_optional_text)
    ext_ref = ExtRefField(required=False, allow_null=True)
    task_type = serializers.CharField(
        max_length=64,
        help_text="FORM, SYNC_ACTION, ASYNC_ACTION or a type a plugin registers "
        "(GET /api/v1/plugins/).",
    )
    input_fields = NameListField()
    output_fields = NameListField()
    condition = ConditionField(required=False, allow_null=True)
    edit_layout = serializers.CharField(**_optional_text)
    display_layout = serializers.CharField(**_optional_text)
    action_url = serializers.CharField(**_optional_text)
    input_transform = TransformField(required=False, allow_null=True)
    output_transform = TransformField(required=False, allow_null=True)
    timeout_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    callback_timeout_seconds = serializers.IntegerField(
        required=False, allow_null=True, min_value=1
    )
    deadline_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=60,
        max_value=365 * 24 * 3600,
        help_text="A person's task: overdue this long after it started (null: no deadline).",
    )
    roles = NameListField(
        required=False,
        allow_null=True,
        help_text="Roles that may claim and complete it (FORM); empty: anyone who sees the ticket.",
    )


class BundleCompletionSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(**_optional_text)
    ext_ref = ExtRefField(required=False, allow_null=True)
    completion_status = serializers.ChoiceField(choices=CompletionStatus.choices)
    fields = NameListField()
    condition = ConditionField(required=False, allow_null=True)
    display_layout = serializers.CharField(**_optional_text)


class BundleTicketSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(**_optional_text)
    ext_ref = ExtRefField(required=False, allow_null=True)
    fields = NameListField()
    company_role_access = NameListField(required=False, allow_null=True)
    edit_layout = serializers.CharField(**_optional_text)
    display_layout = serializers.CharField(**_optional_text)


class BundleSerializer(serializers.Serializer):
    """A whole workflow in one document (docs/bundle-format.md)."""

    format = serializers.ChoiceField(choices=FORMAT_CHOICES, help_text="Exactly " + FORMAT)
    workflow = BundleWorkflowSerializer()
    tasks = BundleTaskSerializer(many=True, required=False, allow_null=True)
    completions = BundleCompletionSerializer(many=True, required=False, allow_null=True)
    tickets = BundleTicketSerializer(many=True, required=False, allow_null=True)


class ScenarioTicketSerializer(serializers.Serializer):
    title = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField(), required=False)


class ScenarioSerializer(serializers.Serializer):
    """A simulation scenario: a ticket, then steps ({complete, output} | {fail, message} |
    {write})."""

    ticket = ScenarioTicketSerializer()
    steps = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()), required=False
    )


class BundleSimulationSerializer(serializers.Serializer):
    """A scenario to run on a bundle that is not stored."""

    bundle = BundleSerializer()
    scenario = ScenarioSerializer()


class TraceIterationSerializer(serializers.Serializer):
    iteration = serializers.IntegerField()
    source = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text='{"ticket": T}, {"task": T} or {"admin": null}',
    )
    written = serializers.ListField(child=serializers.CharField())
    data = serializers.DictField(child=serializers.JSONField())
    decisions = serializers.ListField(child=serializers.DictField(child=serializers.JSONField()))


class TraceTaskSerializer(serializers.Serializer):
    task = serializers.CharField()
    status = serializers.CharField()
    start_iteration = serializers.IntegerField()
    end_iteration = serializers.IntegerField(allow_null=True)


class TraceErrorSerializer(serializers.Serializer):
    type = serializers.CharField()
    message = serializers.CharField()
    task = serializers.CharField(required=False)
    completion = serializers.CharField(required=False)


class TraceSerializer(serializers.Serializer):
    """What a simulation did, iteration by iteration (docs/bundle-format.md, "Trace")."""

    status = serializers.ChoiceField(choices=TRACE_STATUS_CHOICES)
    completion = serializers.CharField(allow_null=True)
    message = serializers.CharField(required=False, help_text="With SCENARIO_ERROR: why.")
    iterations = TraceIterationSerializer(many=True)
    tasks = TraceTaskSerializer(many=True)
    errors = TraceErrorSerializer(many=True)


class ProblemSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="JSON pointer into the bundle.")
    message = serializers.CharField()


class FindingSerializer(serializers.Serializer):
    kind = serializers.CharField()
    level = serializers.ChoiceField(choices=FINDING_LEVEL_CHOICES)
    pointer = serializers.CharField()
    message = serializers.CharField()
    pointers = serializers.ListField(child=serializers.CharField())


class ReportSerializer(serializers.Serializer):
    """Validation of a bundle and, when valid, the kernel's static analysis."""

    valid = serializers.BooleanField()
    problems = ProblemSerializer(many=True)
    findings = FindingSerializer(many=True)
