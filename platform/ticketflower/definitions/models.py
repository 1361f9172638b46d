"""Workflow definitions, adapted from the seed's SQL (the customer's design notes).

No `company_id`: the schema is the company. Definition order (docs/semantics.md) is kept by an
explicit `position`; ties (which the API never creates) fall back to the id. Text columns
that a bundle may leave out are nullable so that export then import gives back exactly
what was stored (docs/decision-definitions-round-trip.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from psycopg.types.json import Json, Jsonb

from kernel.forms import form_schema

FIELD_NAME_LENGTH = 100  # the seed's VARCHAR(100)[] field lists
TITLE_LENGTH = 255


class WorkflowStatus(models.TextChoices):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class TaskType(models.TextChoices):
    """The built-in task types; plugins register more (plugins.manager.task_types())."""

    FORM = "FORM"
    SYNC_ACTION = "SYNC_ACTION"
    ASYNC_ACTION = "ASYNC_ACTION"


class CompletionStatus(models.TextChoices):
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class WrittenOrderJSONField(models.JSONField):
    """A JSON column that gives objects back with their keys in the order written
    (PostgreSQL's `json` keeps the text; `jsonb`, Django's default, reorders keys)."""

    def db_type(self, connection) -> str:
        return "json"

    def get_db_prep_value(self, value, connection, prepared=False):
        adapted = super().get_db_prep_value(value, connection, prepared)
        # Django sends JSON as jsonb, and the cast to json would sort the keys first.
        if isinstance(adapted, Jsonb):
            return Json(adapted.obj, adapted.dumps)
        return adapted

    def from_db_value(self, value, expression, connection):
        if value is not None and not isinstance(value, str):
            return value  # the driver decoded it already
        return super().from_db_value(value, expression, connection)


def _field_names(**kwargs) -> ArrayField:
    return ArrayField(models.CharField(max_length=FIELD_NAME_LENGTH), default=list, **kwargs)


class Timestamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class WorkflowDefinition(Timestamped):
    """A workflow: its workspace schema and, through its children, its tasks and endings.

    Versions of one workflow share a `lineage`; `new-version` copies a workflow into the
    same lineage with the next version number (docs/decision-definitions-versioning.md).
    """

    title = models.CharField(max_length=TITLE_LENGTH)
    description = models.TextField(null=True, blank=True)
    ext_ref = models.JSONField(null=True, blank=True)
    # `json`, not `jsonb`: jsonb sorts an object's keys, and the order properties are written
    # in is the order forms show them (docs/decision-definitions-field-order.md).
    fields_schema = WrittenOrderJSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    previous_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_versions"
    )
    max_iterations = models.PositiveIntegerField(default=1000, validators=[MinValueValidator(1)])
    display_layout = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="workflow_lineage_version"),
            # At most one ACTIVE version per workflow: a ticket's definition is never ambiguous.
            models.UniqueConstraint(
                fields=["lineage"],
                condition=models.Q(status="ACTIVE"),
                name="workflow_one_active_version",
            ),
            models.CheckConstraint(
                condition=models.Q(max_iterations__gte=1), name="workflow_max_iterations_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.status})"

    @property
    def is_editable(self) -> bool:
        """Only a DRAFT may change; ACTIVE and ARCHIVED definitions are immutable."""
        return self.status == WorkflowStatus.DRAFT


class WorkflowPart(Timestamped):
    """What tasks, completions and ticket definitions share: a place in one workflow."""

    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=TITLE_LENGTH)
    description = models.TextField(null=True, blank=True)
    ext_ref = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["workflow_id", "position", "id"]

    def __str__(self) -> str:
        return self.title


class TaskDefinition(WorkflowPart):
    """A task: triggered when one of its input fields is written and its condition holds."""

    workflow = models.ForeignKey(WorkflowDefinition, on_delete=models.CASCADE, related_name="tasks")
    # Not a closed choice: task-type plugins add types; plugins.bundles validates them.
    task_type = models.CharField(
        max_length=64, help_text="FORM, SYNC_ACTION, ASYNC_ACTION or a type a plugin registers."
    )
    input_fields = _field_names()
    output_fields = _field_names()
    condition = models.JSONField(null=True, blank=True)
    edit_layout = models.TextField(null=True, blank=True)
    display_layout = models.TextField(null=True, blank=True)
    action_url = models.TextField(null=True, blank=True)
    input_transform = models.JSONField(null=True, blank=True)
    output_transform = models.JSONField(null=True, blank=True)
    timeout_seconds = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # An ASYNC_ACTION's deadline for its callback (empty: TICKETFLOWER_CALLBACK_TTL).
    callback_timeout_seconds = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # How long a person's task may take: its instances are overdue this long after they
    # started (docs/decision-due-dates.md); empty: no deadline.
    deadline_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Who may claim and complete its instances (a task done by people): holders of one of
    # these roles, and ticket admins; empty: whoever sees the ticket.
    roles = _field_names()

    class Meta(WorkflowPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["workflow", "title"], name="task_title_per_workflow"),
        ]


class CompletionDefinition(WorkflowPart):
    """A workflow completion (the seed's `workflow_completion`): how a workflow ends."""

    workflow = models.ForeignKey(
        WorkflowDefinition, on_delete=models.CASCADE, related_name="completions"
    )
    completion_status = models.CharField(max_length=16, choices=CompletionStatus.choices)
    fields = _field_names()
    condition = models.JSONField(null=True, blank=True)
    display_layout = models.TextField(null=True, blank=True)

    class Meta(WorkflowPart.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "title"], name="completion_title_per_workflow"
            ),
        ]


class TicketDefinition(WorkflowPart):
    """A ticket type: the fields a submission writes and the roles that may submit it."""

    workflow = models.ForeignKey(
        WorkflowDefinition, on_delete=models.CASCADE, related_name="tickets"
    )
    fields = _field_names()
    company_role_access = _field_names()
    edit_layout = models.TextField(null=True, blank=True)
    display_layout = models.TextField(null=True, blank=True)

    class Meta(WorkflowPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["workflow", "title"], name="ticket_title_per_workflow"),
        ]

    def submission_schema(self) -> dict:
        """The JSON Schema of a submission's `fields`: this ticket's fields as the workflow
        defines them, which are required, nothing else allowed (kernel/forms.py)."""
        return form_schema(self.workflow.fields_schema or {}, self.fields)
