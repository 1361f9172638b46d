"""Comments' API: `/api/v1/comments/` (filter `ticket`, `task`); views parse and delegate."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ticketflower.api.errors import ProblemError
from ticketflower.api.fields import StrictCharField
from ticketflower.definitions.filters import IdFilter
from ticketflower.discussions import services
from ticketflower.discussions.models import MAX_BODY, Comment
from ticketflower.runs import access


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)
    mentions = PersonSerializer(many=True, read_only=True)
    ticket = serializers.IntegerField(source="ticket_id")
    task = serializers.IntegerField(source="task_id", required=False, allow_null=True)
    body = StrictCharField(max_length=MAX_BODY, trim_whitespace=False)
    internal = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = Comment
        fields = [
            "id", "ticket", "task", "author", "body", "internal", "mentions", "created_at",
            "edited_at",
        ]  # fmt: skip
        read_only_fields = ["id", "author", "mentions", "created_at", "edited_at"]


class CommentEditSerializer(serializers.Serializer):
    body = StrictCharField(max_length=MAX_BODY, trim_whitespace=False)


class CommentFilterSet(django_filters.FilterSet):
    ticket = IdFilter(field_name="ticket_id")
    task = IdFilter(field_name="task_id")
    internal = django_filters.BooleanFilter()

    class Meta:
        model = Comment
        fields = ["ticket", "task", "internal"]


class CommentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Comments on the tickets you see, oldest first. Internal notes are for ticket admins
    only; `@username` mentions notify. Its author may edit a comment for 15 minutes; no
    comment is deleted."""

    titles = ("Comments", "Comment")
    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = CommentFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return (
            services.visible_comments(self.request.user)
            .select_related("author")
            .prefetch_related("mentions")
        )

    def get_serializer_class(self):
        if self.action == "partial_update":
            return CommentEditSerializer
        return CommentSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = CommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ticket = access.visible_tickets(request.user).filter(pk=values["ticket_id"]).first()
        if ticket is None:
            raise ProblemError(
                "No such ticket.", [("/ticket", f"No ticket {values['ticket_id']}.")]
            )
        task = None
        if values.get("task_id") is not None:
            task = access.visible_tasks(request.user).filter(pk=values["task_id"]).first()
            if task is None:
                raise ProblemError("No such task.", [("/task", f"No task {values['task_id']}.")])
        comment = services.do_add_comment(
            ticket,
            author=request.user,
            body=values["body"],
            internal=values.get("internal", False),
            task=task,
        )
        return Response(CommentSerializer(comment).data, status=201)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.do_edit_comment(
            self.get_object(), user=request.user, body=data.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data)
