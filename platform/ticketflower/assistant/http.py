"""MCP over streamable HTTP (`ticketflower mcp --http PORT`): each request acts as the
user of its own `Authorization: Token KEY` at the company its `Host` names — exactly as
the REST API does, which every tool calls (assistant/api.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings

from ticketflower.assistant.api import Api
from ticketflower.assistant.server import build


def serve(address: str, port: int) -> None:
    """Serve until stopped: stateless, JSON answers (no session kept between requests)."""
    from django.core.wsgi import get_wsgi_application

    transport = httpx.WSGITransport(app=get_wsgi_application())

    def api_for(headers: Mapping[str, str] | None) -> Api:
        headers = headers or {}
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip():
            body = {
                "status": 401,
                "type": "not_authenticated",
                "detail": "Send Authorization: Token KEY (an API token of the user).",
            }
            raise ToolError(json.dumps(body))  # fmt: skip
        return Api(headers.get("host", ""), token.strip(), transport=transport)

    build(api_for).run(
        "streamable-http",
        host=address,
        port=port,
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        # Hosts are the companies' (checked by the API behind every tool) and every call
        # needs a token, which a rebinding page cannot send: no host allowlist here.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
