"""The run API (docs/runs-api.md): thin viewsets that parse input, call `services` and shape output.

What a user sees is `access.py`'s business (404 for everything else); what a user may do
and every write is `services.py`'s.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ticketflower.api.errors import ProblemError
from ticketflower.api.viewsets import ActionFormsMixin, NoBodySerializer
from ticketflower.audit.api import AuditEntrySerializer
from ticketflower.audit.trail import ticket_activity
from ticketflower.runs import access, history, idempotency, openapi, services
from ticketflower.runs.filters import (
    TaskFilterSet,
    TicketErrorFilterSet,
    TicketFilterSet,
    WorkflowInstanceFilterSet,
)
from ticketflower.runs.models import TaskInstance
from ticketflower.runs.serializers import (
    DataWriteSerializer,
    DiffQuerySerializer,
    DiffSerializer,
    ExplainQuerySerializer,
    ExplainSerializer,
    FileUploadSerializer,
    IterationQuerySerializer,
    IterationSerializer,
    ResolveSerializer,
    ReviewSerializer,
    StepOutcomeSerializer,
    TaskAssignSerializer,
    TaskCompleteSerializer,
    TaskInstanceSerializer,
    TicketDetailSerializer,
    TicketErrorSerializer,
    TicketSerializer,
    TicketSubmitSerializer,
    UploadSerializer,
    WorkflowInstanceSerializer,
    described_tasks,
)
from ticketflower.runs.writes import StepResult


def _parse(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _outcome(
    result: StepResult, request: Request, task: TaskInstance | None = None
) -> dict[str, Any]:
    """The body of a step's answer, from what the step wrote (no further query)."""
    started = [t for t in result.created if t.is_active]
    body = {
        "task": task,
        "workflow_instance": result.instance,
        "iteration": result.iteration.iteration if result.iteration is not None else None,
        "started": started,
        "errors": result.errors,
    }
    return StepOutcomeSerializer(body, context={"request": request}).data


# ---------------------------------------------------------------- tickets


@openapi.TICKET
class TicketViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Tickets: submission starts their workflow. A user sees the tickets they created and
    those whose definition lists one of their roles; a ticket_admin sees all."""

    titles = ("Tickets", "Ticket")

    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        # The state (with the whole workspace) is not shown: never load it for a listing.
        queryset = (
            access.visible_tickets(self.request.user)
            .select_related("ticket_definition", "workflow_instance__completion", "created_by")
            .defer("workflow_instance__state")
        )
        if self.action == "retrieve":
            tasks = described_tasks(TaskInstance.objects.order_by("seq"))
            queryset = queryset.prefetch_related(
                Prefetch("workflow_instance__tasks", queryset=tasks)
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return TicketSubmitSerializer
        if self.action == "retrieve":
            return TicketDetailSerializer
        return TicketSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        ticket.task_list = list(ticket.workflow_instance.tasks.all())
        return Response(TicketDetailSerializer(ticket, context={"request": request}).data)

    @openapi.TICKET_CREATE
    def create(self, request: Request) -> Response:
        values = _parse(TicketSubmitSerializer, request.data)

        def submit() -> tuple[int, Any]:
            ticket, result = services.do_submit_ticket(
                values["ticket_definition"], values["fields"], user=request.user
            )
            ticket.task_list = result.created
            body = TicketDetailSerializer(ticket, context={"request": request}).data
            return status.HTTP_201_CREATED, body

        key = request.headers.get(idempotency.HEADER)
        code, body = idempotency.once(key, request.user, "tickets_create", request.data, submit)
        return Response(body, status=code)

    @openapi.TICKET_HISTORY
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        return Response(history.trace(ticket.workflow_instance))

    @openapi.TICKET_ACTIVITY
    @action(detail=True, methods=["get"])
    def activity(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        return Response(AuditEntrySerializer(ticket_activity(ticket.pk), many=True).data)


# ---------------------------------------------------------------- workflow instances


@openapi.WORKFLOW_INSTANCE
class WorkflowInstanceViewSet(
    ActionFormsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Workflow instances of the tickets you see: their data per iteration, and a ticket
    admin's corrections and cancellation."""

    titles = ("Workflow instances", "Workflow instance")

    serializer_class = WorkflowInstanceSerializer
    action_serializers = {
        "write": DataWriteSerializer,
        "start": NoBodySerializer,
        "cancel": NoBodySerializer,
    }
    filterset_class = WorkflowInstanceFilterSet
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return (
            access.visible_instances(self.request.user)
            .select_related("ticket", "completion")
            .defer("state")
        )

    @openapi.WORKFLOW_INSTANCE_DATA
    @action(detail=True, methods=["get"])
    def data(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        query = _parse(IterationQuerySerializer, request.query_params)
        row = history.iteration(instance, query.get("iteration"), "/iteration")
        return Response(IterationSerializer(row).data)

    @openapi.WORKFLOW_INSTANCE_DIFF
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        query = _parse(DiffQuerySerializer, request.query_params)
        body = history.diff(instance, query.get("from"), query.get("to"))
        return Response(DiffSerializer(body).data)

    @openapi.WORKFLOW_INSTANCE_EXPLAIN
    @action(detail=True, methods=["get"])
    def explain(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        query = _parse(ExplainQuerySerializer, request.query_params)
        found = history.explain(instance, query["task"])
        if found is None:
            message = f"The workflow has no task titled {query['task']!r}."
            raise ProblemError("No such task.", [("/task", message)])
        return Response(ExplainSerializer(found).data)

    @openapi.WORKFLOW_INSTANCE_WRITE
    @action(detail=True, methods=["post"])
    def write(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        values = _parse(DataWriteSerializer, request.data)
        result = services.do_write_data(instance.pk, values["data"], user=request.user)
        return Response(_outcome(result, request))

    @openapi.WORKFLOW_INSTANCE_START
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        return Response(
            _outcome(services.do_start_workflow(instance.pk, user=request.user), request)
        )

    @openapi.WORKFLOW_INSTANCE_CANCEL
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        return Response(
            _outcome(services.do_cancel_workflow(instance.pk, user=request.user), request)
        )


# ---------------------------------------------------------------- the task inbox


@openapi.TASK
class TaskViewSet(
    ActionFormsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Task instances: claimed, completed, assigned and retried through their actions."""

    titles = ("Tasks", "Task")

    serializer_class = TaskInstanceSerializer
    action_serializers = {
        "claim": NoBodySerializer,
        "assign": TaskAssignSerializer,
        "unassign": NoBodySerializer,
        "complete": TaskCompleteSerializer,
        "retry": NoBodySerializer,
        "cancel": NoBodySerializer,
    }
    filterset_class = TaskFilterSet
    ordering_fields = ["id", "created_at", "updated_at", "status", "deadline_at"]
    ordering = ["-id"]
    # Tasks without a deadline come last both ways (api/ordering.py).
    nulls_last = ("deadline_at",)

    def get_queryset(self):
        return described_tasks(access.visible_tasks(self.request.user))

    def _fresh(self, task: TaskInstance) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=task.pk)
        return TaskInstanceSerializer(fresh, context={"request": self.request}).data

    @openapi.TASK_CLAIM
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        task = services.do_claim_task(self.get_object(), user=request.user)
        return Response(self._fresh(task))

    @openapi.TASK_ASSIGN
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        values = _parse(TaskAssignSerializer, request.data)
        task = services.do_assign_task_to(task, values["user"], by=request.user)
        return Response(self._fresh(task))

    @openapi.TASK_UNASSIGN
    @action(detail=True, methods=["post"])
    def unassign(self, request: Request, pk: str | None = None) -> Response:
        task = services.do_unassign_task(self.get_object(), user=request.user)
        return Response(self._fresh(task))

    @openapi.TASK_COMPLETE
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        values = _parse(TaskCompleteSerializer, request.data)
        result = services.do_complete_task_as_person(task, values["output"], user=request.user)
        return Response(_outcome(result, request, self.get_queryset().get(pk=task.pk)))

    @openapi.TASK_RETRY
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        result = services.do_retry_task(task, user=request.user)
        return Response(_outcome(result, request, self.get_queryset().get(pk=task.pk)))

    @openapi.TASK_CANCEL
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        result = services.do_cancel_task(task, user=request.user)
        return Response(_outcome(result, request, self.get_queryset().get(pk=task.pk)))


# ---------------------------------------------------------------- ticket errors


@openapi.TICKET_ERROR
class TicketErrorViewSet(
    ActionFormsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Errors of the tickets you see; a ticket_admin reviews and resolves them."""

    titles = ("Ticket errors", "Ticket error")

    serializer_class = TicketErrorSerializer
    action_serializers = {"review": ReviewSerializer, "resolve": ResolveSerializer}
    filterset_class = TicketErrorFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return access.visible_errors(self.request.user).select_related("reviewed_by", "resolved_by")

    @openapi.TICKET_ERROR_REVIEW
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        error = self.get_object()
        values = _parse(ReviewSerializer, request.data)
        error = services.do_review_error(error, user=request.user, notes=values.get("notes"))
        return Response(TicketErrorSerializer(error, context=self.get_serializer_context()).data)

    @openapi.TICKET_ERROR_RESOLVE
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        error = self.get_object()
        values = _parse(ResolveSerializer, request.data)
        error = services.do_resolve_error(error, user=request.user, notes=values["notes"])
        return Response(TicketErrorSerializer(error, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------- files


@openapi.FILE
class FileViewSet(
    ActionFormsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """Uploaded files: yours, and those of the tickets you see."""

    titles = ("Files", "File")

    serializer_class = FileUploadSerializer
    action_serializers = {"create": UploadSerializer}
    ordering_fields = ["id", "uploaded_at", "filename", "version"]
    ordering = ["-id"]
    search_fields = ["filename"]
    filterset_fields = ["ticket", "filename"]

    def get_queryset(self):
        return access.visible_files(self.request.user).select_related("uploaded_by")

    def get_parsers(self):
        if getattr(self, "action", None) == "create" or self.request is None:
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    @openapi.FILE_CREATE
    def create(self, request: Request) -> Response:
        values = _parse(UploadSerializer, request.data)
        ticket = None
        if "ticket" in values:
            ticket = access.visible_tickets(request.user).filter(pk=values["ticket"]).first()
            if ticket is None:
                raise ProblemError(
                    "No such ticket.", [("/ticket", f"No ticket {values['ticket']} you see.")]
                )
        upload = services.do_upload_file(values["file"], user=request.user, ticket=ticket)
        body = FileUploadSerializer(upload, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @openapi.FILE_DOWNLOAD
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        upload = self.get_object()
        return FileResponse(
            default_storage.open(upload.ext_key, "rb"),
            as_attachment=True,
            filename=upload.filename,
            content_type=upload.file_type or "application/octet-stream",
        )
