"""`POST /api/v1/callbacks/{token}/`: where ASYNC_ACTION systems post their answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketflower.actions.services import do_accept_callback
from ticketflower.api.parsers import LimitedJSONParser


class CallbackView(APIView):
    """The unguessable, single-use URL is the credential: no other authentication."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [LimitedJSONParser]
    # Another system's whole answer: only the output it maps to is stored, and checked
    # (do_complete_task); NUL elsewhere in the body is none of our business.
    parser_allows_nul = True

    @extend_schema(
        operation_id="callbacks_accept",
        parameters=[OpenApiParameter("token", str, OpenApiParameter.PATH)],
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses={
            200: inline_serializer(
                "CallbackAccepted",
                {"status": serializers.CharField(), "task_instance": serializers.IntegerField()},
            )
        },
    )
    def post(self, request, token: str):
        headers = {k: v for k, v in request.headers.items() if k.lower() != "cookie"}
        return Response(do_accept_callback(token, request.data, headers))
