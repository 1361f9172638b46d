"""Workflow runs as the API shows them, and the request bodies it takes.

Shape only: input serializers check the envelope (types, unknown keys); the kernel checks
values against the workflow's schema and the services decide who may do what.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ticketflower.accounts.representation import user_ref, user_ref_field
from ticketflower.api.errors import ProblemError
from ticketflower.api.fields import JSONObjectField
from ticketflower.api.serializers import StrictSerializer
from ticketflower.definitions.openapi import TraceSerializer
from ticketflower.runs import cards
from ticketflower.runs.access import sees_all
from ticketflower.runs.compiled import compiled
from ticketflower.runs.models import (
    FileUpload,
    TaskInstance,
    TaskStatus,
    TicketError,
    TicketInstance,
    WorkflowData,
    WorkflowInstance,
    WorkflowStatus,
)

# ---------------------------------------------------------------- output

_datetime = serializers.DateTimeField()


def _time(value: Any) -> str | None:
    return None if value is None else _datetime.to_representation(value)


API_ROOT = "/api/v1/"


def api_base(context: dict[str, Any] | None) -> str:
    """Where links start: the absolute API root of the request's host (relative without a
    request, e.g. in a worker)."""
    request = (context or {}).get("request")
    return request.build_absolute_uri(API_ROOT) if request is not None else API_ROOT


class FastRepresentation:
    """Serializers of the hot paths (submission, inbox) build their output by hand:
    DRF's ModelSerializer rebuilds its fields on every instance, which costs more than the
    rest of a submission's Python. The declared fields still document the schema, and
    tests/runs/test_serializers.py checks both give the same output."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return self.represent(instance, api_base(self.context))


def completion_title(instance: WorkflowInstance) -> str | None:
    """The title of the completion that fired: from the state when it is loaded (a step's
    result), else from the completion row (listings defer the state, which holds data)."""
    if "state" in instance.get_deferred_fields():
        return instance.completion.title if instance.completion_id else None
    return (instance.state or {}).get("completion")


def instance_data(instance: WorkflowInstance, base: str = API_ROOT) -> dict[str, Any]:
    """WorkflowInstanceSerializer's output."""
    ticket = getattr(instance, "ticket", None)
    return {
        "id": instance.pk,
        "url": f"{base}workflow-instances/{instance.pk}/",
        "ticket": ticket.pk if ticket is not None else None,
        "workflow": instance.workflow_id,
        "definition_version": instance.definition_version,
        "status": instance.status,
        "iteration": instance.iteration,
        "completion": completion_title(instance),
        "created_at": _time(instance.created_at),
        "updated_at": _time(instance.updated_at),
    }


def _task_title(task: TaskInstance) -> str:
    title = getattr(task, "task_title", None)
    return title if title is not None else task.task_definition.title


def _task_card(task: TaskInstance) -> dict[str, Any]:
    """From the compiled definition (cached): a listing costs no query for it."""
    workflow_id = getattr(task, "workflow_id", None)
    if workflow_id is None:
        workflow_id = task.workflow_instance.workflow_id
    try:
        definition = compiled(workflow_id).definition
    except ProblemError:  # a definition that no longer compiles: the rest still shows
        return {"description": "", "input_fields": (), "output_schema": None}
    return cards.task_card(definition, _task_title(task))


def _start_data(task: TaskInstance) -> dict[str, Any]:
    """The workspace at the task's start iteration: annotated by listings, set by steps."""
    data = getattr(task, "start_data", None)
    if data is None:
        data = (
            WorkflowData.objects.filter(
                workflow_instance_id=task.workflow_instance_id, iteration=task.start_iteration
            )
            .values_list("data", flat=True)
            .first()
        )
    return data or {}


def _ticket_summary(task: TaskInstance) -> str:
    found = getattr(task, "ticket_summary", None)
    if found is None:
        found = (
            TicketInstance.objects.filter(workflow_instance_id=task.workflow_instance_id)
            .values_list("summary", flat=True)
            .first()
        )
    return found or ""


def is_overdue(task: TaskInstance, now: Any = None) -> bool:
    """Active and past its deadline."""
    if task.deadline_at is None or not task.is_active:
        return False
    return task.deadline_at <= (now or timezone.now())


def task_data(task: TaskInstance, base: str = API_ROOT) -> dict[str, Any]:
    """TaskInstanceSerializer's output."""
    ticket_id = getattr(task, "ticket_id", None)
    card = _task_card(task)
    start = _start_data(task)
    return {
        "id": task.pk,
        "url": f"{base}tasks/{task.pk}/",
        "seq": task.seq,
        "ticket": ticket_id if ticket_id is not None else task.workflow_instance.ticket.pk,
        "ticket_summary": _ticket_summary(task),
        "workflow_instance": task.workflow_instance_id,
        "task_definition": task.task_definition_id,
        "title": _task_title(task),
        "description": card["description"],
        "task_type": task.task_type,
        "status": task.status,
        "input": {name: start[name] for name in card["input_fields"] if name in start},
        "output_schema": card["output_schema"],
        "output": task.output,
        "start_iteration": task.start_iteration,
        "end_iteration": task.end_iteration,
        "assigned_to": user_ref(task.assigned_to) if task.assigned_to_id else None,
        "completed_by": user_ref(task.completed_by) if task.completed_by_id else None,
        "created_at": _time(task.created_at),
        "started_at": _time(task.started_at),
        "completed_at": _time(task.completed_at),
        "updated_at": _time(task.updated_at),
        "due_at": _time(task.due_at),
        "deadline_at": _time(task.deadline_at),
        "overdue": is_overdue(task),
        "overdue_notified_at": _time(task.overdue_notified_at),
        "dispatches": task.dispatches,
        "last_failure": task.last_failure,
    }


def ticket_data(ticket: TicketInstance, base: str = API_ROOT) -> dict[str, Any]:
    """TicketSerializer's output."""
    return {
        "id": ticket.pk,
        "url": f"{base}tickets/{ticket.pk}/",
        "ticket_definition": ticket.ticket_definition_id,
        "title": ticket.ticket_definition.title,
        "summary": ticket.summary,
        "fields": ticket.fields,
        "workflow_instance": instance_data(ticket.workflow_instance, base),
        "created_by": user_ref(ticket.created_by) if ticket.created_by_id else None,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
    }


def ticket_detail_data(ticket: TicketInstance, base: str = API_ROOT) -> dict[str, Any]:
    """TicketDetailSerializer's output (`ticket.task_list` holds its tasks)."""
    return {**ticket_data(ticket, base), "tasks": [task_data(t, base) for t in ticket.task_list]}


def _link(serializer: serializers.Serializer, path: str) -> str:
    return api_base(serializer.context) + path


def described_tasks(tasks: QuerySet[TaskInstance]) -> QuerySet[TaskInstance]:
    """Tasks with what their representation shows beyond their row, in the same query:
    their ticket's id and summary, their workflow, and the workspace they started from."""
    start = WorkflowData.objects.filter(
        workflow_instance=OuterRef("workflow_instance"), iteration=OuterRef("start_iteration")
    ).values("data")[:1]
    return tasks.select_related("task_definition", "assigned_to", "completed_by").annotate(
        ticket_id=F("workflow_instance__ticket__id"),
        ticket_summary=F("workflow_instance__ticket__summary"),
        workflow_id=F("workflow_instance__workflow_id"),
        start_data=Subquery(start),
    )


class WorkflowInstanceSerializer(FastRepresentation, serializers.ModelSerializer):
    """A workflow instance: its status, newest iteration and the completion that fired."""

    url = serializers.SerializerMethodField(help_text="This workflow instance.")
    ticket = serializers.SerializerMethodField(help_text="The ticket that started it.")
    completion = serializers.SerializerMethodField(
        help_text="Title of the completion that fired, or null."
    )
    status = serializers.ChoiceField(choices=WorkflowStatus.choices, read_only=True)

    class Meta:
        model = WorkflowInstance
        fields = [
            "id", "url", "ticket", "workflow", "definition_version", "status", "iteration",
            "completion", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    represent = staticmethod(instance_data)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, instance: WorkflowInstance) -> str:
        return _link(self, f"workflow-instances/{instance.pk}/")

    @extend_schema_field(OpenApiTypes.INT)
    def get_ticket(self, instance: WorkflowInstance) -> int | None:
        ticket = getattr(instance, "ticket", None)
        return ticket.pk if ticket is not None else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_completion(self, instance: WorkflowInstance) -> str | None:
        return completion_title(instance)


class TaskInstanceSerializer(FastRepresentation, serializers.ModelSerializer):
    """A task instance; `seq` is its number within its workflow instance."""

    url = serializers.SerializerMethodField(help_text="This task.")
    title = serializers.SerializerMethodField(help_text="The task definition's title.")
    description = serializers.SerializerMethodField(
        help_text="The task definition's description: what to do."
    )
    ticket = serializers.SerializerMethodField(help_text="The ticket it works for.")
    ticket_summary = serializers.SerializerMethodField(help_text="That ticket's one line.")
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    input = serializers.SerializerMethodField(
        help_text="Its input fields' values when it started (its start iteration)."
    )
    output_schema = serializers.SerializerMethodField(
        help_text="The JSON Schema of the output it expects: its output fields, which are "
        "required (a FORM completion must give those), nothing else; null if its workflow "
        "cannot be read."
    )
    output = serializers.JSONField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField(help_text="Active and past its deadline_at.")
    assigned_to = user_ref_field("Who works on it.")
    completed_by = user_ref_field("Who completed it.")

    class Meta:
        model = TaskInstance
        fields = [
            "id", "url", "seq", "ticket", "ticket_summary", "workflow_instance",
            "task_definition", "title", "description", "task_type", "status", "input",
            "output_schema", "output", "start_iteration", "end_iteration",
            "assigned_to", "completed_by", "created_at", "started_at", "completed_at",
            "updated_at", "due_at", "deadline_at", "overdue", "overdue_notified_at",
            "dispatches", "last_failure",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "due_at": {"help_text": "When the platform looks at it again if nothing happens: "
                       "an action is handed to the workers again, a callback's deadline "
                       "passes. Null for a person's task or an ended one."},
            "dispatches": {"help_text": "How many times it was handed to a worker."},
            "deadline_at": {"help_text": "When a person's task is due (its definition's "
                            "deadline_seconds after it started); null: no deadline."},
            "overdue_notified_at": {"help_text": "When the people concerned were told it "
                                    "is overdue (once); null until then."},
            "last_failure": {"help_text": "The last infrastructure failure seen, if any."},
        }  # fmt: skip

    represent = staticmethod(task_data)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, task: TaskInstance) -> bool:
        return is_overdue(task)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, task: TaskInstance) -> str:
        return _link(self, f"tasks/{task.pk}/")

    def get_title(self, task: TaskInstance) -> str:
        return _task_title(task)

    def get_description(self, task: TaskInstance) -> str:
        return _task_card(task)["description"]

    def get_ticket_summary(self, task: TaskInstance) -> str:
        return _ticket_summary(task)

    @extend_schema_field({"type": "object", "additionalProperties": {"nullable": True}})
    def get_input(self, task: TaskInstance) -> dict[str, Any]:
        start, names = _start_data(task), _task_card(task)["input_fields"]
        return {name: start[name] for name in names if name in start}

    @extend_schema_field(
        {"type": "object", "nullable": True, "additionalProperties": {"nullable": True}}
    )
    def get_output_schema(self, task: TaskInstance) -> dict[str, Any] | None:
        return _task_card(task)["output_schema"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_ticket(self, task: TaskInstance) -> int | None:
        ticket_id = getattr(task, "ticket_id", None)
        if ticket_id is None:
            ticket_id = task.workflow_instance.ticket.pk
        return ticket_id


class TicketErrorSerializer(serializers.ModelSerializer):
    """A ticket error and where it stands (NEW → REVIEWED → RESOLVED)."""

    reviewed_by = user_ref_field("The ticket admin who reviewed it.")
    resolved_by = user_ref_field("The ticket admin who resolved it.")
    stack_trace = serializers.SerializerMethodField(
        help_text="The trace of an unexpected failure; shown to ticket admins only "
        "(null for everyone else, and for errors that are not unexpected failures)."
    )

    class Meta:
        model = TicketError
        fields = [
            "id", "ticket", "task_instance", "task_definition", "completion", "error_type",
            "error_message", "stack_trace", "error_status", "resolution_notes", "reviewed_by",
            "resolved_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_stack_trace(self, error: TicketError) -> str | None:
        # A trace names code and data a staff member should not read: admins only, and
        # only when the request says who asks (a step's own answer never shows it).
        request = self.context.get("request")
        if request is None or not sees_all(request.user):
            return None
        return error.stack_trace


class TicketSerializer(FastRepresentation, serializers.ModelSerializer):
    """A ticket and its workflow instance."""

    url = serializers.SerializerMethodField(help_text="This ticket.")
    workflow_instance = WorkflowInstanceSerializer(read_only=True)
    title = serializers.SerializerMethodField(help_text="The ticket definition's title.")
    summary = serializers.CharField(
        read_only=True, help_text="One line: the ticket type and its first submitted values."
    )
    fields = serializers.JSONField(read_only=True, help_text="The fields it was submitted with.")
    created_by = user_ref_field("Who submitted it.")

    class Meta:
        model = TicketInstance
        fields = [
            "id", "url", "ticket_definition", "title", "summary", "fields", "workflow_instance",
            "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    represent = staticmethod(ticket_data)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, ticket: TicketInstance) -> str:
        return _link(self, f"tickets/{ticket.pk}/")

    def get_title(self, ticket: TicketInstance) -> str:
        return ticket.ticket_definition.title


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its task instances (on creation: the ones the submission started)."""

    tasks = TaskInstanceSerializer(many=True, read_only=True, source="task_list")

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "tasks"]
        read_only_fields = fields

    represent = staticmethod(ticket_detail_data)


class IterationSerializer(serializers.ModelSerializer):
    """One iteration: its source, written fields, the whole workspace and the decisions."""

    source = serializers.JSONField(read_only=True)
    data = serializers.JSONField(read_only=True)
    created_by = user_ref_field("Who caused it (a person; null for a program's step).")
    decisions = serializers.JSONField(
        read_only=True,
        help_text="Every candidate evaluated: {task|completion, decision, seq?, message?}.",
    )

    class Meta:
        model = WorkflowData
        fields = [
            "workflow_instance", "iteration", "source", "task_instance", "created_by",
            "written", "data", "decisions", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ChangedValueSerializer(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class DiffSerializer(serializers.Serializer):
    """What changed in the workspace between two iterations."""

    from_iteration = serializers.IntegerField()
    to_iteration = serializers.IntegerField()
    added = serializers.DictField(child=serializers.JSONField(allow_null=True))
    removed = serializers.DictField(child=serializers.JSONField(allow_null=True))
    changed = serializers.DictField(child=ChangedValueSerializer())
    written = serializers.ListField(
        child=serializers.CharField(),
        help_text="Fields written by the iterations after `from` up to `to` (sorted).",
    )


class StepOutcomeSerializer(serializers.Serializer):
    """What one step did: the task acted on, the instance, the new iteration, what started."""

    task = TaskInstanceSerializer(allow_null=True)
    workflow_instance = WorkflowInstanceSerializer()
    iteration = serializers.IntegerField(
        allow_null=True, help_text="The iteration this step created, if any."
    )
    started = TaskInstanceSerializer(many=True, help_text="Task instances created active.")
    errors = TicketErrorSerializer(many=True, help_text="Ticket errors this step recorded.")


class ExplainQuerySerializer(StrictSerializer):
    task = serializers.CharField(max_length=255, help_text="A task definition's title.")


class ExplainSerializer(serializers.Serializer):
    """Why a task did (or did not) run, iteration by iteration."""

    task = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())
    decisions = serializers.ListField(
        child=serializers.DictField(),
        help_text="The task's decisions: {iteration, decision, seq?, message?}.",
    )


class HistorySerializer(TraceSerializer):
    """docs/bundle-format.md's trace of the live instance (ids, users and timestamps added)."""


class FileUploadSerializer(serializers.ModelSerializer):
    """An uploaded file's metadata; its content is at `download`."""

    url = serializers.SerializerMethodField(help_text="This file's metadata.")
    uploaded_by = user_ref_field("Who uploaded it.")
    download = serializers.SerializerMethodField(help_text="Its content (an attachment).")

    class Meta:
        model = FileUpload
        fields = [
            "id", "url", "filename", "version", "file_type", "size", "ticket", "uploaded_by",
            "uploaded_at", "download",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, upload: FileUpload) -> str:
        return _link(self, f"files/{upload.pk}/")

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, upload: FileUpload) -> str:
        return _link(self, f"files/{upload.pk}/download/")


# ---------------------------------------------------------------- input


class TicketSubmitSerializer(StrictSerializer):
    """A ticket submission: the ticket definition and the values of its fields."""

    ticket_definition = serializers.IntegerField(help_text="The ticket definition's id.")
    fields = JSONObjectField(
        default=dict,
        help_text="Workspace fields among the ticket definition's `fields` (a JSON object).",
    )


class TaskCompleteSerializer(StrictSerializer):
    """A task's output."""

    output = JSONObjectField(
        help_text="Values of the task's output fields, each valid against its schema "
        "(a JSON object).",
    )


class TaskAssignSerializer(StrictSerializer):
    user = serializers.IntegerField(help_text="The id of the user to assign the task to.")


class DataWriteSerializer(StrictSerializer):
    """A correction of the workspace."""

    data = JSONObjectField(
        help_text="Workspace fields to set, each a field of the schema with a valid value "
        "(a JSON object).",
    )


class IterationQuerySerializer(StrictSerializer):
    iteration = serializers.IntegerField(
        required=False, min_value=0, help_text="Default: the newest."
    )


class DiffQuerySerializer(StrictSerializer):
    # `from` is a Python keyword: declared below under its query-parameter name.
    to = serializers.IntegerField(required=False, min_value=0, help_text="Default: the newest.")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField(
            required=False, min_value=0, help_text="Default: the iteration before `to`."
        )
        return fields


class ReviewSerializer(StrictSerializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class ResolveSerializer(StrictSerializer):
    notes = serializers.CharField(max_length=10_000, help_text="Resolution notes.")


class UploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="The file (multipart/form-data).")
    ticket = serializers.IntegerField(
        required=False, help_text="A ticket you see that the file belongs to."
    )
