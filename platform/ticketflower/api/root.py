"""The API root: TicketFlower's front door, linking the docs and the main actions."""

from __future__ import annotations

from typing import Any

from rest_framework import routers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse


class APIRootView(routers.APIRootView):
    """TicketFlower: tickets and the workflows behind them.

    Start here: submit a ticket (`tickets`), see your tasks (`my_tasks`, `claimable_tasks`),
    import a workflow (`import_bundle`). Interactive docs at `docs` (Swagger UI) and
    `redoc`; the OpenAPI schema at `schema`. Programs authenticate with
    `Authorization: Token <key>` (POST /api/v1/auth/token/).
    """

    name = "TicketFlower API"

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        tasks = reverse("task-list", request=request)
        start = {
            "docs": reverse("swagger-ui", request=request),
            "redoc": reverse("redoc", request=request),
            "schema": reverse("schema", request=request),
            "me": reverse("me", request=request),
            "my_tasks": f"{tasks}?assigned=me",
            "claimable_tasks": f"{tasks}?claimable=true",
            "import_bundle": reverse("workflow-import-bundle", request=request),
        }
        response.data = {**start, **response.data}
        return response


class Router(routers.DefaultRouter):
    """DRF's router with TicketFlower's API root."""

    APIRootView = APIRootView
