"""The OpenAPI description of the run API's operations (drf-spectacular), kept out of
`views.py` so that the views read as what they do: each name decorates the view or
action it is named for (`TICKET_CREATE` → `TicketViewSet.create`)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from ticketflower.audit.api import AuditEntrySerializer
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
    TicketSubmitSerializer,
    UploadSerializer,
)

NOT_ACTIVE = OpenApiResponse(description="The task or workflow is not in a state that allows it.")
ADMIN_ONLY = OpenApiResponse(description="Only a ticket_admin may do this.")


TICKET = extend_schema_view(
    list=extend_schema(operation_id="tickets_list", summary="Tickets you may see"),
    retrieve=extend_schema(
        operation_id="tickets_retrieve",
        summary="One ticket, its workflow instance and its tasks",
        responses=TicketDetailSerializer,
    ),
)


TICKET_CREATE = extend_schema(
    operation_id="tickets_create",
    summary="Submit a ticket",
    description="Starts the workflow: iteration 0 holds the submitted fields, and the "
    "tasks it triggers start. Fields must be among the ticket definition's `fields`, "
    "each valid against its schema; otherwise 400 with a pointer per problem and "
    "nothing is created.",
    request=TicketSubmitSerializer,
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            str,
            OpenApiParameter.HEADER,
            description="Makes a retry safe: the same key and body again get the first "
            "answer and create nothing; the same key with another body is a 422.",
        )
    ],
    responses={
        201: TicketDetailSerializer,
        409: OpenApiResponse(description="Not ACTIVE."),
        422: OpenApiResponse(description="The Idempotency-Key was used for another body."),
    },
)


TICKET_HISTORY = extend_schema(
    operation_id="tickets_history",
    summary="The trace of the ticket's workflow (docs/bundle-format.md)",
    description="Every iteration with its source, written fields, data and decisions; "
    "every task instance; every ticket error. The same as `ticketflower simulate` gives "
    "for the same steps, with ids, users and timestamps added.",
    responses=HistorySerializer,
)


TICKET_ACTIVITY = extend_schema(
    operation_id="tickets_activity",
    summary="Who did what on the ticket (its audit entries), oldest first",
    description="Claims, assignments, completions by people, retries, corrections, "
    "cancellations and error reviews of this ticket: the audit trail's entries about it.",
    responses=AuditEntrySerializer(many=True),
)


WORKFLOW_INSTANCE = extend_schema_view(
    list=extend_schema(operation_id="workflow_instances_list", summary="Workflow instances"),
    retrieve=extend_schema(operation_id="workflow_instances_retrieve", summary="One instance"),
)


WORKFLOW_INSTANCE_DATA = extend_schema(
    operation_id="workflow_instances_data",
    summary="The workspace at one iteration, with why it happened",
    parameters=[IterationQuerySerializer],
    responses=IterationSerializer,
)


WORKFLOW_INSTANCE_DIFF = extend_schema(
    operation_id="workflow_instances_diff",
    summary="What changed between two iterations",
    parameters=[DiffQuerySerializer],
    responses=DiffSerializer,
)


WORKFLOW_INSTANCE_EXPLAIN = extend_schema(
    operation_id="workflow_instances_explain",
    summary="Why a task did (or did not) run",
    description="From every iteration's decisions: when the task was a candidate, "
    "whether its condition held, failed or conflicted, and completions that fired.",
    parameters=[ExplainQuerySerializer],
    responses=ExplainSerializer,
)


WORKFLOW_INSTANCE_WRITE = extend_schema(
    operation_id="workflow_instances_write",
    summary="Correct the workspace (ticket_admin)",
    description="A write event: a new iteration whose written fields are the keys given; "
    "triggers run, and an ON_HOLD workflow resumes. Each key must be a field of the "
    "schema with a valid value (400 with pointers under /data).",
    request=DataWriteSerializer,
    responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


WORKFLOW_INSTANCE_START = extend_schema(
    operation_id="workflow_instances_start",
    summary="Start a workflow that could not start (ticket_admin)",
    description="For a NOT_STARTED instance (its ticket has a WORKFLOW_CREATION error): "
    "runs the submission step on the fields the ticket kept. 409 when it has started "
    "already or its definition still cannot run; an unexpected failure records one more "
    "WORKFLOW_CREATION error (in `errors`) and leaves it NOT_STARTED.",
    request=None,
    responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


WORKFLOW_INSTANCE_CANCEL = extend_schema(
    operation_id="workflow_instances_cancel",
    summary="Cancel the workflow (ticket_admin)",
    request=None,
    responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TASK = extend_schema_view(
    list=extend_schema(
        operation_id="tasks_list",
        summary="Task instances you may see (the inbox)",
        description="`?assigned=me` yours, `?claimable=true` active FORM tasks nobody has, "
        "`?status=OPEN` by status.",
    ),
    retrieve=extend_schema(operation_id="tasks_retrieve", summary="One task instance"),
)


TASK_CLAIM = extend_schema(
    operation_id="tasks_claim",
    summary="Take an unassigned FORM task (OPEN → IN_PROGRESS)",
    request=None,
    responses={200: TaskInstanceSerializer, 409: NOT_ACTIVE},
)


TASK_ASSIGN = extend_schema(
    operation_id="tasks_assign",
    summary="Give a FORM task to a user (ticket_admin)",
    request=TaskAssignSerializer,
    responses={200: TaskInstanceSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TASK_UNASSIGN = extend_schema(
    operation_id="tasks_unassign",
    summary="Give a task back (its assignee or a ticket_admin)",
    request=None,
    responses={200: TaskInstanceSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TASK_COMPLETE = extend_schema(
    operation_id="tasks_complete",
    summary="Submit a task's output (its assignee or a ticket_admin)",
    description="Creates the next iteration with the output merged over the newest "
    "data, then runs the triggers. Keys must be the task's output fields, each value "
    "valid (400 with pointers under /output); 409 when the task is not active.",
    request=TaskCompleteSerializer,
    responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TASK_RETRY = extend_schema(
    operation_id="tasks_retry",
    summary="Restart an ERROR task from the newest iteration (ticket_admin)",
    request=None,
    responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TASK_CANCEL = extend_schema(
    operation_id="tasks_cancel",
    summary="Cancel an active task (ticket_admin)",
    request=None,
    responses={200: StepOutcomeSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TICKET_ERROR = extend_schema_view(
    list=extend_schema(operation_id="ticket_errors_list", summary="Ticket errors"),
    retrieve=extend_schema(operation_id="ticket_errors_retrieve", summary="One ticket error"),
)


TICKET_ERROR_REVIEW = extend_schema(
    operation_id="ticket_errors_review",
    summary="Mark an error REVIEWED (ticket_admin)",
    request=ReviewSerializer,
    responses={200: TicketErrorSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


TICKET_ERROR_RESOLVE = extend_schema(
    operation_id="ticket_errors_resolve",
    summary="Mark an error RESOLVED with notes (ticket_admin)",
    request=ResolveSerializer,
    responses={200: TicketErrorSerializer, 403: ADMIN_ONLY, 409: NOT_ACTIVE},
)


FILE = extend_schema_view(
    list=extend_schema(operation_id="files_list", summary="Files you may see"),
    retrieve=extend_schema(operation_id="files_retrieve", summary="One file's metadata"),
)


FILE_CREATE = extend_schema(
    operation_id="files_create",
    summary="Upload a file (multipart/form-data)",
    description="Limited to settings.FILE_UPLOAD_MAX_BYTES (413 beyond).",
    request={"multipart/form-data": UploadSerializer},
    responses={201: FileUploadSerializer},
)


FILE_DOWNLOAD = extend_schema(
    operation_id="files_download",
    summary="Download a file's content",
    description="Always an attachment. Its Content-Type is the one given at upload "
    "(`file_type`), or `application/octet-stream` when none was.",
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
)
