"""The run API (docs/runs-api.md): thin viewsets that parse input, call `services` and shape output.

What a user sees is `access.py`'s business (404 for everything else); what a user may do
and every write is `services.py`'s.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ticketflower.api.errors import ProblemError
from ticketflower.api.viewsets import ActionFormsMixin, NoBodySerializer
from ticketflower.runs import access, history, services
from ticketflower.runs.engine import StepResult
from ticketflower.runs.filters import (
    TaskFilterSet,
    TicketErrorFilterSet,
    TicketFilterSet,
    WorkflowInstanceFilterSet,
)
from ticketflower.runs.models import TaskInstance, WorkflowData
from ticketflower.runs.serializers import (
    DataWriteSerializer,
    DiffQuerySerializer,
    DiffSerializer,
    ExplainQuerySerializer,
    ExplainSerializer,
    FileUploadSerializer,
    HistorySerializer,
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

NOT_ACTIVE = OpenApiResponse(description="The task or workflow is not in a state that allows it.")
ADMIN_ONLY = OpenApiResponse(description="Only a ticket_admin may do this.")


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


@extend_schema_view(
    list=extend_schema(operation_id="tickets_list", summary="Tickets you may see"),
    retrieve=extend_schema(
        operation_id="tickets_retrieve",
        summary="One ticket, its workflow instance and its tasks",
        responses=TicketDetailSerializer,
    ),
)
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

    @extend_schema(
        operation_id="tickets_create",
        summary="Submit a ticket",
        description="Starts the workflow: iteration 0 holds the submitted fields, and the "
        "tasks it triggers start. Fields must be among the ticket definition's `fields`, "
        "each valid against its schema; otherwise 400 with a pointer per problem and "
        "nothing is created.",
        request=TicketSubmitSerializer,
        responses={201: TicketDetailSerializer, 409: OpenApiResponse(description="Not ACTIVE.")},
    )
    def create(self, request: Request) -> Response:
        values = _parse(TicketSubmitSerializer, request.data)
        ticket, result = services.do_submit_ticket(
            values["ticket_definition"], values["fields"], user=request.user
        )
        ticket.task_list = result.created
        body = TicketDetailSerializer(ticket, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="tickets_history",
        summary="The trace of the ticket's workflow (docs/bundle-format.md)",
        description="Every iteration with its source, written fields, data and decisions; "
        "every task instance; every ticket error. The same as `ticketflower simulate` gives "
        "for the same steps, with ids, users and timestamps added.",
        responses=HistorySerializer,
    )
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        return Response(history.trace(ticket.workflow_instance))


# ---------------------------------------------------------------- workflow instances


@extend_schema_view(
    list=extend_schema(operation_id="workflow_instances_list", summary="Workflow instances"),
    retrieve=extend_schema(operation_id="workflow_instances_retrieve", summary="One instance"),
)
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

    def _iteration(self, instance, number: int | None, pointer: str) -> WorkflowData:
        number = instance.iteration if number is None else number
        found = (
            WorkflowData.objects.filter(workflow_instance=instance, iteration=number)
            .select_related("created_by")
            .first()
        )
        if found is None:
            message = f"No iteration {number}: the newest is {instance.iteration}."
            raise ProblemError("No such iteration.", [(pointer, message)])
        return found

    @extend_schema(
        operation_id="workflow_instances_data",
        summary="The workspace at one iteration, with why it happened",
        parameters=[IterationQuerySerializer],
        responses=IterationSerializer,
    )
    @action(detail=True, methods=["get"])
    def data(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        query = _parse(IterationQuerySerializer, request.query_params)
        row = self._iteration(instance, query.get("iteration"), "/iteration")
        return Response(IterationSerializer(row).data)

    @extend_schema(
        operation_id="workflow_instances_diff",
        summary="What changed between two iterations",
        parameters=[DiffQuerySerializer],
        responses=DiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        query = _parse(DiffQuerySerializer, request.query_params)
        to = query.get("to", instance.iteration)
        start = query.get("from", max(to - 1, 0))
        rows = {
            row.iteration: row
            for row in WorkflowData.objects.filter(
                workflow_instance=instance, iteration__in=[start, to]
            )
        }
        if start not in rows:
            self._iteration(instance, start, "/from")
        if to not in rows:
            self._iteration(instance, to, "/to")
        written = WorkflowData.objects.filter(
            workflow_instance=instance, iteration__gt=min(start, to), iteration__lte=max(start, to)
        ).values_list("written", flat=True)
        before, after = rows[start].data, rows[to].data
        body = {
            "from_iteration": start,
            "to_iteration": to,
            "added": {k: v for k, v in after.items() if k not in before},
            "removed": {k: v for k, v in before.items() if k not in after},
            "changed": {
                k: {"before": before[k], "after": v}
                for k, v in after.items()
                if k in before and before[k] != v
            },
            "written": sorted({name for names in written for name in names}),
        }
        return Response(DiffSerializer(body).data)

    @extend_schema(
        operation_id="workflow_instances_explain",
        summary="Why a task did (or did not) run",
        description="From every iteration's decisions: when the task was a candidate, "
        "whether its condition held, failed or conflicted, and completions that fired.",
        parameters=[ExplainQuerySerializer],
        responses=ExplainSerializer,
    )
    @action(detail=True, methods=["get"])
    def explain(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        query = _parse(ExplainQuerySerializer, request.query_params)
        found = history.explain(instance, query["task"])
        if found is None:
            message = f"The workflow has no task titled {query['task']!r}."
            raise ProblemError("No such task.", [("/task", message)])
        return Response(ExplainSerializer(found).data)

    @extend_schema(
        operation_id="workflow_instances_write",
        summary="Correct the workspace (ticket_admin)",
        description="A write event: a new iteration whose written fields are the keys given; "
        "triggers run, and an ON_HOLD workflow resumes. Each key must be a field of the "
        "schema with a valid value (400 with pointers under /data).",
        request=DataWriteSerializer,
        responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def write(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        values = _parse(DataWriteSerializer, request.data)
        result = services.do_write_data(instance.pk, values["data"], user=request.user)
        return Response(_outcome(result, request))

    @extend_schema(
        operation_id="workflow_instances_start",
        summary="Start a workflow that could not start (ticket_admin)",
        description="For a NOT_STARTED instance (its ticket has a WORKFLOW_CREATION error): "
        "runs the submission step on the fields the ticket kept. 409 when it has started "
        "already or its definition still cannot run; an unexpected failure records one more "
        "WORKFLOW_CREATION error (in `errors`) and leaves it NOT_STARTED.",
        request=None,
        responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        return Response(
            _outcome(services.do_start_workflow(instance.pk, user=request.user), request)
        )

    @extend_schema(
        operation_id="workflow_instances_cancel",
        summary="Cancel the workflow (ticket_admin)",
        request=None,
        responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        return Response(
            _outcome(services.do_cancel_workflow(instance.pk, user=request.user), request)
        )


# ---------------------------------------------------------------- the task inbox


@extend_schema_view(
    list=extend_schema(
        operation_id="tasks_list",
        summary="Task instances you may see (the inbox)",
        description="`?assigned=me` yours, `?claimable=true` active FORM tasks nobody has, "
        "`?status=OPEN` by status.",
    ),
    retrieve=extend_schema(operation_id="tasks_retrieve", summary="One task instance"),
)
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
    ordering_fields = ["id", "created_at", "updated_at", "status"]
    ordering = ["-id"]

    def get_queryset(self):
        return described_tasks(access.visible_tasks(self.request.user))

    def _fresh(self, task: TaskInstance) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=task.pk)
        return TaskInstanceSerializer(fresh, context={"request": self.request}).data

    @extend_schema(
        operation_id="tasks_claim",
        summary="Take an unassigned FORM task (OPEN → IN_PROGRESS)",
        request=None,
        responses={200: TaskInstanceSerializer, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str | None = None) -> Response:
        task = services.do_claim_task(self.get_object(), user=request.user)
        return Response(self._fresh(task))

    @extend_schema(
        operation_id="tasks_assign",
        summary="Give a FORM task to a user (ticket_admin)",
        request=TaskAssignSerializer,
        responses={200: TaskInstanceSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        values = _parse(TaskAssignSerializer, request.data)
        # Before the user lookup, so that the answer reveals nothing about user ids.
        services.require_may_assign(request.user)
        assignee = User.objects.filter(pk=values["user"], is_active=True).first()
        if assignee is None:
            raise ProblemError("No such user.", [("/user", f"No active user {values['user']}.")])
        task = services.do_assign_task(task, assignee, by=request.user)
        return Response(self._fresh(task))

    @extend_schema(
        operation_id="tasks_unassign",
        summary="Give a task back (its assignee or a ticket_admin)",
        request=None,
        responses={200: TaskInstanceSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request: Request, pk: str | None = None) -> Response:
        task = services.do_unassign_task(self.get_object(), user=request.user)
        return Response(self._fresh(task))

    @extend_schema(
        operation_id="tasks_complete",
        summary="Submit a task's output (its assignee or a ticket_admin)",
        description="Creates the next iteration with the output merged over the newest "
        "data, then runs the triggers. Keys must be the task's output fields, each value "
        "valid (400 with pointers under /output); 409 when the task is not active.",
        request=TaskCompleteSerializer,
        responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        values = _parse(TaskCompleteSerializer, request.data)
        result = services.do_complete_task_as_person(task, values["output"], user=request.user)
        return Response(_outcome(result, request, self.get_queryset().get(pk=task.pk)))

    @extend_schema(
        operation_id="tasks_retry",
        summary="Restart an ERROR task from the newest iteration (ticket_admin)",
        request=None,
        responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        result = services.do_retry_task(task, user=request.user)
        return Response(_outcome(result, request, self.get_queryset().get(pk=task.pk)))

    @extend_schema(
        operation_id="tasks_cancel",
        summary="Cancel an active task (ticket_admin)",
        request=None,
        responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        result = services.do_cancel_task(task, user=request.user)
        return Response(_outcome(result, request, self.get_queryset().get(pk=task.pk)))


# ---------------------------------------------------------------- ticket errors


@extend_schema_view(
    list=extend_schema(operation_id="ticket_errors_list", summary="Ticket errors"),
    retrieve=extend_schema(operation_id="ticket_errors_retrieve", summary="One ticket error"),
)
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

    @extend_schema(
        operation_id="ticket_errors_review",
        summary="Mark an error REVIEWED (ticket_admin)",
        request=ReviewSerializer,
        responses={200: TicketErrorSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        error = self.get_object()
        values = _parse(ReviewSerializer, request.data)
        error = services.do_review_error(error, user=request.user, notes=values.get("notes"))
        return Response(TicketErrorSerializer(error, context=self.get_serializer_context()).data)

    @extend_schema(
        operation_id="ticket_errors_resolve",
        summary="Mark an error RESOLVED with notes (ticket_admin)",
        request=ResolveSerializer,
        responses={200: TicketErrorSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        error = self.get_object()
        values = _parse(ResolveSerializer, request.data)
        error = services.do_resolve_error(error, user=request.user, notes=values["notes"])
        return Response(TicketErrorSerializer(error, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------- files


@extend_schema_view(
    list=extend_schema(operation_id="files_list", summary="Files you may see"),
    retrieve=extend_schema(operation_id="files_retrieve", summary="One file's metadata"),
)
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

    @extend_schema(
        operation_id="files_create",
        summary="Upload a file (multipart/form-data)",
        description="Limited to settings.FILE_UPLOAD_MAX_BYTES (413 beyond).",
        request={"multipart/form-data": UploadSerializer},
        responses={201: FileUploadSerializer},
    )
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

    @extend_schema(
        operation_id="files_download",
        summary="Download a file's content",
        description="Always an attachment. Its Content-Type is the one given at upload "
        "(`file_type`), or `application/octet-stream` when none was.",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        upload = self.get_object()
        return FileResponse(
            default_storage.open(upload.ext_key, "rb"),
            as_attachment=True,
            filename=upload.filename,
            content_type=upload.file_type or "application/octet-stream",
        )
