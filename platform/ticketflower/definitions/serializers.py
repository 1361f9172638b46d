"""Definitions as the API shows them. Shape only: the rules are the kernel's and the
lifecycle is the service layer's (services.py); serializers never write on their own.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel.validation import COMPLETION_KEYS, TASK_KEYS, TICKET_KEYS, WORKFLOW_KEYS
from ticketflower.accounts.representation import user_ref_field
from ticketflower.api.errors import ProblemError
from ticketflower.api.serializers import StrictModelSerializer
from ticketflower.definitions.fields import (
    ConditionField,
    ExtRefField,
    FieldsSchemaField,
    NameListField,
    TransformField,
)
from ticketflower.definitions.models import (
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
)
from ticketflower.postgresql.text import text_problems

_TIMESTAMPS = ["created_by", "created_at", "updated_at"]


class DefinitionSerializer(StrictModelSerializer):
    """Common ground: who created it, and no string PostgreSQL cannot store."""

    created_by = user_ref_field("Its creator (null once that user is deleted).")

    def to_internal_value(self, data: Any) -> Any:
        problems = text_problems(dict(data.items())) if hasattr(data, "items") else []
        if problems:
            raise ProblemError("The request has invalid text.", problems)
        return super().to_internal_value(data)


class PartSerializer(DefinitionSerializer):
    """Tasks, completions and tickets: a place in a workflow's definition order."""

    ext_ref = ExtRefField(required=False, allow_null=True)
    position = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2_147_483_647,
        help_text="Place in the workflow's definition order (0 first); "
        "the others shift. Default on create: last.",
    )

    class Meta:
        # Title uniqueness is checked by the service, with a pointer at /title.
        validators: list = []


class TaskDefinitionSerializer(PartSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="task-definition-detail")
    input_fields = NameListField()
    output_fields = NameListField()
    condition = ConditionField(required=False, allow_null=True)
    input_transform = TransformField(required=False, allow_null=True)
    output_transform = TransformField(required=False, allow_null=True)
    roles = NameListField(
        required=False,
        help_text="Roles that may claim and complete it (FORM); empty: anyone who sees the ticket.",
    )

    class Meta(PartSerializer.Meta):
        model = TaskDefinition
        fields = ["id", "url", "workflow", "position", *TASK_KEYS, *_TIMESTAMPS]


class CompletionDefinitionSerializer(PartSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="completion-detail")
    fields = NameListField()
    condition = ConditionField(required=False, allow_null=True)

    class Meta(PartSerializer.Meta):
        model = CompletionDefinition
        fields = ["id", "url", "workflow", "position", *COMPLETION_KEYS, *_TIMESTAMPS]


class TicketDefinitionSerializer(PartSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="ticket-definition-detail")
    fields = NameListField()
    company_role_access = NameListField(
        required=False, help_text="Roles whose holders may submit this ticket."
    )
    submission_schema = serializers.SerializerMethodField(
        help_text="JSON Schema of a submission's `fields` (for forms and clients)."
    )

    class Meta(PartSerializer.Meta):
        model = TicketDefinition
        fields = [
            "id", "url", "workflow", "position", *TICKET_KEYS, "submission_schema", *_TIMESTAMPS,
        ]  # fmt: skip

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_submission_schema(self, obj: TicketDefinition) -> dict:
        return obj.submission_schema()


class WorkflowSerializer(DefinitionSerializer):
    """A workflow's own fields; its status changes only through the lifecycle actions."""

    url = serializers.HyperlinkedIdentityField(view_name="workflow-detail")
    ext_ref = ExtRefField(required=False, allow_null=True)
    fields_schema = FieldsSchemaField()

    class Meta:
        model = WorkflowDefinition
        fields = [
            "id", "url", *WORKFLOW_KEYS, "status", "version", "lineage", "previous_version",
            *_TIMESTAMPS,
        ]  # fmt: skip
        read_only_fields = ["status", "version", "lineage", "previous_version"]
        validators: list = []


class WorkflowDetailSerializer(WorkflowSerializer):
    """The seed's "Workflow Definition Detail": the workflow with its parts inline."""

    tasks = TaskDefinitionSerializer(many=True, read_only=True)
    completions = CompletionDefinitionSerializer(many=True, read_only=True)
    tickets = TicketDefinitionSerializer(many=True, read_only=True)

    class Meta(WorkflowSerializer.Meta):
        fields = [*WorkflowSerializer.Meta.fields, "tasks", "completions", "tickets"]
