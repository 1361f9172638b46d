"""Workflow runs, adapted from the seed's SQL (the customer's design notes).

No `company_id`: the schema is the company. `workflow_data` belongs to the workflow
instance (the seed's reference to the definition is a mistake: the data is a run's, not the
definition's; docs/decision-runs-engine.md). The workflow
instance keeps the kernel's small state (docs/kernel.md) in one JSON column, read and
written under `SELECT ... FOR UPDATE` by `runs/engine.py` only.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from kernel.state import ACTIVE_STATUSES
from ticketflower.definitions.models import (
    FIELD_NAME_LENGTH,
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
)


class WorkflowStatus(models.TextChoices):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ON_HOLD = "ON_HOLD"


class TaskStatus(models.TextChoices):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ERROR = "ERROR"


# The kernel defines which statuses are active (kernel/state.py); the ORM filters by them.
ACTIVE_TASK_STATUSES = tuple(TaskStatus(s) for s in sorted(ACTIVE_STATUSES))


class ErrorType(models.TextChoices):
    WORKFLOW_CREATION = "WORKFLOW_CREATION"
    TASK_CREATION = "TASK_CREATION"
    TASK_UPDATE = "TASK_UPDATE"
    WORKFLOW_TRANSITION = "WORKFLOW_TRANSITION"


class ErrorStatus(models.TextChoices):
    NEW = "NEW"
    REVIEWED = "REVIEWED"
    RESOLVED = "RESOLVED"


def _user_fk(related_name: str = "+") -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
    )


class WorkflowInstance(models.Model):
    """One run of a workflow definition version, with the kernel's state between steps."""

    # The definition version it started on: a WorkflowDefinition row is one version.
    workflow = models.ForeignKey(
        WorkflowDefinition, on_delete=models.PROTECT, related_name="instances"
    )
    definition_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=WorkflowStatus.choices, default=WorkflowStatus.NOT_STARTED
    )
    # Mirrors of the state, for filters and listings without reading the JSON.
    iteration = models.IntegerField(default=0)
    completion = models.ForeignKey(
        CompletionDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The kernel's state (kernel/state.py): status, newest iteration and data, r, active...
    state = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"workflow instance {self.pk} ({self.status})"


class TicketInstance(models.Model):
    """A submitted ticket (the seed's `ticket_instances`) and the workflow it started."""

    ticket_definition = models.ForeignKey(
        TicketDefinition, on_delete=models.PROTECT, related_name="instances"
    )
    workflow_instance = models.OneToOneField(
        WorkflowInstance, on_delete=models.CASCADE, related_name="ticket"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = _user_fk("tickets")
    # What was submitted (iteration 0's data, kept here too: listings show it without the
    # history, and a ticket whose workflow could not start keeps it for `start`), and a
    # short line naming the ticket (runs/cards.py), both written once at submission.
    fields = models.JSONField(default=dict)
    summary = models.CharField(max_length=200, default="", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"ticket {self.pk}"


class WorkflowData(models.Model):
    """One iteration of a workflow instance: why it happened, what it wrote and caused."""

    workflow_instance = models.ForeignKey(
        WorkflowInstance, on_delete=models.CASCADE, related_name="iterations"
    )
    iteration = models.IntegerField()
    # {"ticket": TITLE}, {"task": TITLE, "seq": n} or {"admin": USER_ID} (kernel effects).
    source = models.JSONField()
    task_instance = models.ForeignKey(
        "TaskInstance", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = _user_fk()
    written = ArrayField(models.CharField(max_length=FIELD_NAME_LENGTH), default=list)
    data = models.JSONField(default=dict)
    # Every candidate's decision, with the seq and message the trace format leaves out.
    decisions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow_instance_id", "iteration"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow_instance", "iteration"], name="workflow_data_iteration"
            ),
        ]

    def __str__(self) -> str:
        return f"iteration {self.iteration} of {self.workflow_instance_id}"


class TaskInstance(models.Model):
    """One task instance; `seq` is the kernel's id for it within its workflow instance."""

    workflow_instance = models.ForeignKey(
        WorkflowInstance, on_delete=models.CASCADE, related_name="tasks"
    )
    seq = models.PositiveIntegerField()
    task_definition = models.ForeignKey(
        TaskDefinition, on_delete=models.PROTECT, related_name="instances"
    )
    task_type = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=TaskStatus.choices)
    output = models.JSONField(null=True, blank=True)
    start_iteration = models.IntegerField()
    end_iteration = models.IntegerField(null=True, blank=True)
    assigned_to = _user_fk("assigned_tasks")
    completed_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The outbox of the work a worker must do (docs/decision-nothing-lost.md): when the
    # platform looks at this instance again if nothing happened by then (an action sent
    # again, a callback's deadline), how often it was handed to a worker, and the last
    # infrastructure failure seen. None for a person's task.
    due_at = models.DateTimeField(null=True, blank=True)
    dispatches = models.PositiveIntegerField(default=0)
    # A person's deadline (its definition's `deadline_seconds` after it started), and when
    # the people concerned were told it passed (once; runs/deadlines.py).
    deadline_at = models.DateTimeField(null=True, blank=True)
    due_soon_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow_instance", "seq"], name="task_instance_seq"),
        ]
        indexes = [
            models.Index(fields=["status", "assigned_to"], name="task_inbox"),
            models.Index(
                fields=["due_at"], name="task_due", condition=models.Q(due_at__isnull=False)
            ),
            models.Index(
                fields=["deadline_at"],
                name="task_deadline",
                condition=models.Q(deadline_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"task instance {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_TASK_STATUSES


class TicketError(models.Model):
    """An error in a ticket's workflow execution, reviewed and resolved by a ticket admin."""

    ticket = models.ForeignKey(TicketInstance, on_delete=models.CASCADE, related_name="errors")
    task_instance = models.ForeignKey(
        TaskInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="errors"
    )
    # The task definition for errors about a task that has no instance (a condition error).
    task_definition = models.ForeignKey(
        TaskDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion = models.ForeignKey(
        CompletionDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_type = models.CharField(max_length=32, choices=ErrorType.choices)
    error_message = models.TextField()
    stack_trace = models.TextField(null=True, blank=True)
    error_status = models.CharField(
        max_length=16, choices=ErrorStatus.choices, default=ErrorStatus.NEW, db_index=True
    )
    resolution_notes = models.TextField(null=True, blank=True)
    reviewed_by = _user_fk()
    resolved_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.error_type} on ticket {self.ticket_id}"


class FileUpload(models.Model):
    """An uploaded file (the seed's `file_uploads`), stored through Django's storage API.

    `ext_key` is the storage name. A file may belong to a ticket; then whoever sees the
    ticket sees the file (docs/decision-runs-visibility.md). Uploading a name again makes
    the next `version` of it: per ticket, or per uploader for files without a ticket
    (docs/decision-runs-file-versions.md); every version is its own row.
    """

    filename = models.CharField(max_length=255)
    version = models.PositiveIntegerField(default=1)
    ext_key = models.TextField()
    file_type = models.CharField(max_length=100, null=True, blank=True)
    size = models.BigIntegerField(default=0)
    ticket = models.ForeignKey(
        TicketInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = _user_fk("uploads")

    class Meta:
        ordering = ["id"]
        # Per ticket only: files without a ticket are numbered per uploader under the same
        # lock, but a constraint there would break when a deleted ticket or user leaves
        # two rows of one name and version behind (SET_NULL).
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "filename", "version"],
                condition=models.Q(ticket__isnull=False),
                name="file_version_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} (version {self.version})"


class IdempotentRequest(models.Model):
    """The first answer to a creating request sent with an `Idempotency-Key`, replayed
    to a retry with the same key and body (docs/decision-idempotent-submission.md)."""

    key = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    operation = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "operation", "key"], name="idempotent_request_key"
            ),
        ]
