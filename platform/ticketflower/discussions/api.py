"""Comments' API, under the ticket they are on: `/api/v1/tickets/{ticket_pk}/comments/`
(filter `task`) and `.../comments/{id}/`. Views parse and delegate to `services`; a
ticket the user does not see answers 404 here as everywhere (docs/decision-comments.md)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ticketflower.api.fields import StrictCharField
from ticketflower.api.serializers import StrictSerializer
from ticketflower.definitions.filters import IdFilter
from ticketflower.discussions import services
from ticketflower.discussions.models import MAX_BODY, Comment
from ticketflower.runs import access
from ticketflower.runs.models import TicketInstance


class PersonSerializer(serializers.Serializer):
    """A person, as a comment names its author and the people it mentions."""

    id = serializers.IntegerField()
    username = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer):
    """A comment on a ticket (on one of its tasks when `task` is set)."""

    author = PersonSerializer(read_only=True, allow_null=True)
    mentions = PersonSerializer(many=True, read_only=True)
    ticket = serializers.IntegerField(source="ticket_id", read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = [
            "id", "ticket", "task", "author", "body", "internal", "mentions", "created_at",
            "edited_at",
        ]  # fmt: skip
        read_only_fields = fields


class CommentCreateSerializer(StrictSerializer):
    """What to write: `@username` mentions a person who may read it; `internal` (ticket
    admins only) hides it from everyone else; `task` puts it on one of the ticket's tasks."""

    body = StrictCharField(max_length=MAX_BODY, trim_whitespace=False)
    internal = serializers.BooleanField(required=False, default=False)
    task = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class CommentEditSerializer(StrictSerializer):
    """The corrected text (its author, within 15 minutes of writing it)."""

    body = StrictCharField(max_length=MAX_BODY, trim_whitespace=False)


class CommentFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", help_text="Only the comments on this task.")
    internal = django_filters.BooleanFilter()

    class Meta:
        model = Comment
        fields = ["task", "internal"]


_TICKET = OpenApiParameter(
    "ticket_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket's id."
)


@extend_schema_view(
    list=extend_schema(
        operation_id="ticket_comments_list",
        summary="The comments on a ticket, oldest first",
        parameters=[_TICKET],
    ),
    retrieve=extend_schema(
        operation_id="ticket_comments_retrieve", summary="One comment", parameters=[_TICKET]
    ),
    create=extend_schema(
        operation_id="ticket_comments_create",
        summary="Comment on a ticket",
        description="`@username` mentions (and tells) a person of this company who may "
        "read the comment; other names stay text. Only a ticket_admin writes an "
        "`internal` note. Problems answer 400 at `/body`, `/task` or `/internal`.",
        parameters=[_TICKET],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer},
    ),
    partial_update=extend_schema(
        operation_id="ticket_comments_edit",
        summary="Correct your comment",
        description="Its author only (403 for anyone else), within 15 minutes of writing "
        "it (409 after). Comments are never deleted.",
        parameters=[_TICKET],
        request=CommentEditSerializer,
        responses={
            200: CommentSerializer,
            403: OpenApiResponse(description="Only its author edits a comment."),
            409: OpenApiResponse(description="Written more than 15 minutes ago."),
        },
    ),
)
class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Comments on a ticket you see, oldest first. Internal notes are for ticket admins
    only; `@username` mentions notify. Its author may edit a comment for 15 minutes; no
    comment is deleted."""

    titles = ("Comments", "Comment")
    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = CommentFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def ticket(self) -> TicketInstance:
        """The ticket of the URL, if the user sees it (404 otherwise, as if it did not
        exist)."""
        if not hasattr(self, "_ticket"):
            found = access.visible_tickets(self.request.user).filter(pk=self.kwargs["ticket_pk"])
            found = found.select_related("ticket_definition")
            self._ticket = found.first()
        if self._ticket is None:
            raise Http404("No such ticket.")
        return self._ticket

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return (
            services.visible_comments(self.request.user)
            .filter(ticket=self.ticket())
            .select_related("author")
            .prefetch_related("mentions")
        )

    def get_serializer_class(self):
        return {
            "create": CommentCreateSerializer,
            "partial_update": CommentEditSerializer,
        }.get(self.action, CommentSerializer)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.ticket()
        values = _parse(CommentCreateSerializer, request.data)
        comment = services.do_add_comment(
            ticket,
            author=request.user,
            body=values["body"],
            internal=values["internal"],
            task=services.task_of(ticket, values.get("task")),
        )
        return Response(CommentSerializer(comment).data, status=201)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        comment = self.get_object()
        values = _parse(CommentEditSerializer, request.data)
        comment = services.do_edit_comment(comment, user=request.user, body=values["body"])
        return Response(CommentSerializer(comment).data)


def _parse(serializer_class: type, data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
