"""The workflow design API (docs/api-design.md): declarative viewsets that parse
input and hand it to services.py, which owns every write and every kernel call."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ticketflower.api.parsers import LimitedJSONParser, json_body
from ticketflower.api.serializers import StrictSerializer
from ticketflower.api.viewsets import NoBodySerializer
from ticketflower.definitions import bundles, services
from ticketflower.definitions.filters import (
    CompletionDefinitionFilterSet,
    TaskDefinitionFilterSet,
    TicketDefinitionFilterSet,
    WorkflowFilterSet,
)
from ticketflower.definitions.models import (
    CompletionDefinition,
    TaskDefinition,
    TicketDefinition,
    WorkflowDefinition,
)
from ticketflower.definitions.openapi import (
    BundleSerializer,
    BundleSimulationSerializer,
    ReportSerializer,
    ScenarioSerializer,
    TraceSerializer,
)
from ticketflower.definitions.permissions import (
    DefinitionPermission,
    reads_everything,
    visible_ticket_definitions,
)
from ticketflower.definitions.serializers import (
    CompletionDefinitionSerializer,
    TaskDefinitionSerializer,
    TicketDefinitionSerializer,
    WorkflowDetailSerializer,
    WorkflowSerializer,
)

# Bundles and scenarios are JSON documents: no form encoding of them makes sense.
JSON_ONLY = [LimitedJSONParser]


IMMUTABLE = OpenApiResponse(description="The workflow is ACTIVE or ARCHIVED: immutable.")
INVALID_DEFINITION = OpenApiResponse(
    description="The stored workflow has problems (type invalid_definition; pointers into its "
    "bundle), or it is not in a status that allows this (type conflict)."
)


def _version_serializer(serializer: type) -> type:
    """The schema of one entry of a part's `versions/` answer."""
    name = serializer.__name__.removesuffix("Serializer") + "VersionSerializer"
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": "One version of the part's workflow, with the part as it is there.",
            "workflow": serializers.IntegerField(help_text="The workflow version's id."),
            "version": serializers.IntegerField(),
            "status": serializers.CharField(),
            "changed": serializers.BooleanField(
                help_text="Whether the part differs from the entry before (added, removed or "
                "edited); false for the first."
            ),
            "definition": serializer(
                allow_null=True, help_text="The part in that version; null if it has none."
            ),
        },
    )


def _crud_schema(name: str, serializer: type, *, detail: type | None = None):
    """The CRUD operations of a definition endpoint, documented once."""
    writes = {409: IMMUTABLE}
    versions = {}
    if detail is None:  # the parts (a workflow's versions: ?lineage= on the list)
        versions["versions"] = extend_schema(
            operation_id=f"{name.replace('-', '_')}_versions",
            summary=f"One {name[:-1].replace('-', ' ')} through its workflow's versions",
            description="Every version of the workflow's lineage that you see, oldest first, "
            "with the part of the same title in it (null where it has none).",
            responses=_version_serializer(serializer)(many=True),
        )
    return extend_schema_view(
        **versions,
        list=extend_schema(summary=f"List {name}"),
        retrieve=extend_schema(summary=f"One {name[:-1]}", responses=detail or serializer),
        create=extend_schema(
            summary=f"Create a {name[:-1]}", responses={201: detail or serializer, **writes}
        ),
        update=extend_schema(
            summary=f"Replace a {name[:-1]}", responses={200: serializer, **writes}
        ),
        partial_update=extend_schema(
            summary=f"Change a {name[:-1]}", responses={200: serializer, **writes}
        ),
        destroy=extend_schema(summary=f"Delete a {name[:-1]}", responses={204: None, **writes}),
    )


@_crud_schema("workflows", WorkflowSerializer, detail=WorkflowDetailSerializer)
class WorkflowViewSet(viewsets.ModelViewSet):
    """Workflow definitions: their own fields, their lifecycle and their bundles.

    Only a DRAFT changes; ACTIVE and ARCHIVED workflows answer 409 to every edit.
    """

    titles = ("Workflow definitions", "Workflow definition")

    queryset = WorkflowDefinition.objects.select_related("created_by").order_by("id")
    serializer_class = WorkflowSerializer
    permission_classes = [DefinitionPermission]
    filterset_class = WorkflowFilterSet
    search_fields = ["title", "description"]
    ordering_fields = ["id", "title", "status", "version", "created_at", "updated_at"]
    read_only_actions = ("simulate",)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            parts = ("tasks__created_by", "completions__created_by", "tickets__created_by")
            queryset = queryset.prefetch_related(*parts)
        return queryset

    def get_serializer_class(self):
        return {
            "retrieve": WorkflowDetailSerializer,
            "activate": NoBodySerializer,
            "archive": NoBodySerializer,
            "new_version": NoBodySerializer,
            "import_bundle": BundleSerializer,
            "bundle": BundleSerializer,
            "simulate": ScenarioSerializer,
        }.get(self.action, WorkflowSerializer)

    def _detail(self, workflow: WorkflowDefinition, code: int = status.HTTP_200_OK) -> Response:
        workflow = (
            self.get_queryset()
            .prefetch_related("tasks", "completions", "tickets")
            .get(pk=workflow.pk)
        )
        body = WorkflowDetailSerializer(workflow, context=self.get_serializer_context()).data
        return Response(body, status=code)

    def perform_create(self, serializer):
        serializer.instance = services.do_create_workflow(
            created_by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.do_update_workflow(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.do_delete_workflow(instance)

    @extend_schema(
        operation_id="workflows_import",
        summary="Import a bundle as a new DRAFT workflow",
        description="All or nothing: an invalid bundle is refused (400) with every problem, "
        "each at a JSON pointer into the bundle, and nothing is stored.",
        request=BundleSerializer,
        responses={201: WorkflowDetailSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=JSON_ONLY)
    def import_bundle(self, request: Request) -> Response:
        workflow = services.do_import_bundle(request.data, created_by=request.user)
        return self._detail(workflow, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        operation_id="workflows_bundle_export",
        summary="Export a workflow as a bundle",
        responses={200: BundleSerializer},
    )
    @extend_schema(
        methods=["PUT"],
        operation_id="workflows_bundle_replace",
        summary="Replace a DRAFT's whole content by a bundle",
        description="All or nothing, like import; the workflow keeps its id and version.",
        request=BundleSerializer,
        responses={200: WorkflowDetailSerializer, 409: IMMUTABLE},
    )
    @action(detail=True, methods=["get", "put"], url_path="bundle", parser_classes=JSON_ONLY)
    def bundle(self, request: Request, pk: str | None = None) -> Response:
        workflow = self.get_object()
        if request.method == "GET":
            return Response(bundles.to_bundle(workflow))
        workflow = services.do_replace_bundle(workflow, request.data, created_by=request.user)
        return self._detail(workflow)

    @extend_schema(
        operation_id="workflows_activate",
        summary="Activate a DRAFT",
        description="The kernel validates the workflow; with problems it stays DRAFT and the "
        "answer (409, type invalid_definition) lists them. Other ACTIVE versions of the same "
        "lineage become ARCHIVED.",
        request=None,
        responses={200: WorkflowDetailSerializer, 409: INVALID_DEFINITION},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        return self._detail(services.do_activate_workflow(self.get_object()))

    @extend_schema(
        operation_id="workflows_archive",
        summary="Archive a workflow",
        description="No new tickets; running instances go on with this version.",
        request=None,
        responses={200: WorkflowDetailSerializer, 409: INVALID_DEFINITION},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._detail(services.do_archive_workflow(self.get_object()))

    @extend_schema(
        operation_id="workflows_new_version",
        summary="Copy a workflow into a new DRAFT version",
        request=None,
        responses={201: WorkflowDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request: Request, pk: str | None = None) -> Response:
        copy = services.do_new_version(self.get_object(), created_by=request.user)
        return self._detail(copy, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="workflows_analysis",
        summary="Validation problems and analysis warnings of a workflow",
        responses={200: ReportSerializer},
    )
    @action(detail=True, methods=["get"])
    def analysis(self, request: Request, pk: str | None = None) -> Response:
        return Response(services.workflow_report(self.get_object()))

    @extend_schema(
        operation_id="workflows_simulate",
        summary="Run a scenario on a workflow",
        description="Nothing is stored. A scenario step the API would refuse ends the trace "
        "with status SCENARIO_ERROR (still 200).",
        request=ScenarioSerializer,
        responses={200: TraceSerializer, 409: INVALID_DEFINITION},
    )
    @action(detail=True, methods=["post"], parser_classes=JSON_ONLY)
    def simulate(self, request: Request, pk: str | None = None) -> Response:
        return Response(services.simulate_workflow(self.get_object(), json_body(request)))


class PartViewSet(viewsets.ModelViewSet):
    """Tasks, completions and ticket definitions of DRAFT workflows (409 otherwise)."""

    permission_classes = [DefinitionPermission]
    search_fields = ["title", "description"]
    ordering_fields = ["id", "position", "title", "created_at", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.do_create_part(
            self.queryset.model, created_by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.do_update_part(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.do_delete_part(instance)

    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """This part through its workflow's versions (parts are versioned with it)."""
        part = self.get_object()
        history = services.part_versions(
            part, self.get_queryset(), every_version=reads_everything(request.user)
        )
        context = self.get_serializer_context()
        serializer = self.get_serializer_class()
        body, previous = [], None
        for workflow, found in history:
            content = serializer(found, context=context).data if found is not None else None
            same = _comparable(content) == _comparable(previous)
            body.append(
                {
                    "workflow": workflow.pk,
                    "version": workflow.version,
                    "status": workflow.status,
                    "changed": bool(body) and not same,
                    "definition": content,
                }
            )
            previous = content
        return Response(body)


# What differs between two versions of a part: its content, not where or when it is stored.
_NOT_CONTENT = {"id", "url", "workflow", "position", "created_at", "updated_at", "created_by"}


def _comparable(content: dict | None) -> dict | None:
    if content is None:
        return None
    return {k: v for k, v in content.items() if k not in _NOT_CONTENT}


@_crud_schema("task-definitions", TaskDefinitionSerializer)
class TaskDefinitionViewSet(PartViewSet):
    """Task definitions; `?workflow=ID` gives one workflow's tasks in definition order."""

    titles = ("Task definitions", "Task definition")

    queryset = TaskDefinition.objects.select_related("created_by")
    serializer_class = TaskDefinitionSerializer
    filterset_class = TaskDefinitionFilterSet


@_crud_schema("completions", CompletionDefinitionSerializer)
class CompletionDefinitionViewSet(PartViewSet):
    """Workflow completions; `?workflow=ID` gives one workflow's in definition order."""

    titles = ("Completions", "Completion")

    queryset = CompletionDefinition.objects.select_related("created_by")
    serializer_class = CompletionDefinitionSerializer
    filterset_class = CompletionDefinitionFilterSet


@_crud_schema("ticket-definitions", TicketDefinitionSerializer)
class TicketDefinitionViewSet(PartViewSet):
    """Ticket definitions. Users without a designer or ticket_admin role see only those of
    ACTIVE workflows that list one of their roles in `company_role_access`."""

    titles = ("Ticket definitions", "Ticket definition")

    queryset = TicketDefinition.objects.select_related("created_by", "workflow")
    serializer_class = TicketDefinitionSerializer
    filterset_class = TicketDefinitionFilterSet
    open_reads = True

    def get_queryset(self):
        return super().get_queryset() & visible_ticket_definitions(self.request.user)


class _SimulationInput(StrictSerializer):
    bundle = serializers.JSONField()
    scenario = serializers.JSONField()


class BundleJsonSchemaSerializer(serializers.Serializer):
    """A JSON Schema (draft 2020-12) document: its main keywords."""

    title = serializers.CharField()
    description = serializers.CharField()
    type = serializers.CharField()
    required = serializers.ListField(child=serializers.CharField())
    properties = serializers.DictField()


class BundleViewSet(viewsets.ViewSet):
    """Bundles that are not stored: validate and analyze, or simulate."""

    titles = ("Bundles", "Bundle")

    permission_classes = [DefinitionPermission]
    read_only_actions = ("validate", "simulate")
    # The parser lets NUL through: validate reports it as a problem, simulate stores nothing.
    parser_allows_nul = True

    def get_serializer_class(self):
        return BundleSimulationSerializer if self.action == "simulate" else BundleSerializer

    def get_serializer(self, *args, **kwargs):
        # The browsable API's raw-data form asks for one.
        return self.get_serializer_class()(*args, **kwargs)

    @extend_schema(
        operation_id="bundles_validate",
        summary="Validate and analyze a bundle",
        description="Always 200 for a JSON body: `valid`, every problem with its pointer, and "
        "the analysis findings when the bundle is valid.",
        request=BundleSerializer,
        responses={200: ReportSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=JSON_ONLY)
    def validate(self, request: Request) -> Response:
        return Response(services.report(json_body(request)))

    @extend_schema(
        operation_id="bundles_schema",
        summary="The bundle format as a JSON Schema",
        description="For editors and assistants: the structure the validator checks (keys, "
        "types, required, the task types of the plugins loaded). A bundle may name it in "
        "`$schema`. What a schema cannot say (field names of fields_schema, unique titles, "
        "JsonLogic) stays the validator's: docs/bundle-format.md.",
        responses={200: BundleJsonSchemaSerializer},
    )
    @action(detail=False, methods=["get"], url_path="schema", permission_classes=[IsAuthenticated])
    def json_schema(self, request: Request) -> Response:
        from kernel.bundle_schema import bundle_json_schema
        from plugins.bundles import initial_statuses

        return Response(bundle_json_schema(initial_statuses()))

    @extend_schema(
        operation_id="bundles_simulate",
        summary="Run a scenario on a bundle",
        description="An invalid bundle is a 400 with pointers under /bundle.",
        request=BundleSimulationSerializer,
        responses={200: TraceSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=JSON_ONLY)
    def simulate(self, request: Request) -> Response:
        data = _SimulationInput(data=request.data)
        data.is_valid(raise_exception=True)
        trace = services.simulate_bundle(
            data.validated_data["bundle"], data.validated_data["scenario"]
        )
        return Response(trace)
