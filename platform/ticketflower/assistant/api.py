"""The one way the MCP tools act: the service's REST API, called in-process through its
WSGI application (httpx's WSGI transport) as one user of one company — the same
middleware, authentication, permissions, serializers, services and error shape as any
client; nothing is bypassed, and no network hop is needed."""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """A refusal of the API: its status and its body in the one error shape."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        detail = body.get("detail") if isinstance(body, dict) else str(body)
        super().__init__(f"{status}: {detail}")


class Api:
    """One user (by API token) of one company (by host name)."""

    def __init__(self, host: str, token: str, transport: httpx.BaseTransport | None = None):
        if transport is None:
            from django.core.wsgi import get_wsgi_application

            transport = httpx.WSGITransport(app=get_wsgi_application())
        self.http = httpx.Client(
            transport=transport,
            base_url=f"http://{host}",
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            timeout=60,
        )

    def call(self, method: str, path: str, *, json: Any = None, params: Any = None) -> Any:
        answer = self.http.request(method, "/api/v1" + path, json=json, params=params)
        body = answer.json() if answer.content else None
        if answer.status_code >= 400:
            raise ApiError(answer.status_code, body)
        return body
