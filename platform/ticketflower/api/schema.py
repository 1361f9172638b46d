"""OpenAPI post-processing: the one error shape, documented on every operation.

Like Sentry's apidocs layer, errors are declared once here instead of per view.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = {
    "type": "object",
    "description": "Every 4xx answer (docs/errors.md).",
    "properties": {
        "type": {"type": "string", "description": "Stable machine name, e.g. validation_error."},
        "detail": {"type": "string", "description": "A sentence for people."},
        "errors": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/ErrorProblem"},
        },
        "request_id": {
            "type": "string",
            "description": "The request's id (also in the X-Request-ID header and the logs).",
        },
    },
    "required": ["type", "detail", "errors"],
}
PROBLEM_COMPONENT = {
    "type": "object",
    "properties": {
        "pointer": {"type": "string", "description": "JSON pointer into the request body."},
        "message": {"type": "string"},
    },
    "required": ["pointer", "message"],
}

_DESCRIPTIONS = {
    "400": "Invalid request: every problem with its pointer.",
    "401": "Not authenticated, or a credential of another company.",
    "403": "No role that allows this.",
    "404": "Not found (or not visible to you).",
    "409": "The target's state does not allow this.",
    "413": "The request body is too large.",
    "415": "Unsupported content type.",
}


def add_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:  # noqa: ARG001
    """drf-spectacular postprocessing hook: add the Error schema and the usual error answers."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    schemas["ErrorProblem"] = PROBLEM_COMPONENT
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["401", "403"]
            if method in ("post", "put", "patch"):
                codes += ["400", "413", "415"]
            elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.append("400")  # a filter, page or iteration that is not valid
            if method == "delete":
                codes.append("409")  # a built-in role, a definition in use
            if "{" in path:
                codes.append("404")
            if operation.get("security") == [{}] or not operation.get("security", True):
                codes = [c for c in codes if c not in ("401", "403")]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": _DESCRIPTIONS[code], "content": ref})
            for code, response in responses.items():
                if code in _DESCRIPTIONS and "content" not in response:
                    response["content"] = ref
    return result


def refuse_unknown_fields(result: dict[str, Any], generator, request, public) -> dict[str, Any]:  # noqa: ARG001
    """drf-spectacular postprocessing hook: request bodies say what the server does, that a
    field it does not know is refused (`Unknown field.` at its pointer, docs/errors.md)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        # A bundle or scenario sent to be judged is data: its unknown keys are reported
        # as problems of the document (200, valid: false), not refused as a request.
        judged = name.startswith(("Bundle", "Scenario"))
        if name.endswith("Request") and "properties" in component and not judged:
            component.setdefault("additionalProperties", False)
    return result


def lib_doc_excludes() -> list[type]:
    """Classes whose docstrings never describe a schema component: drf-spectacular's own
    list plus our serializer bases (a serializer without a docstring would inherit theirs)."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from ticketflower.api.serializers import StrictMixin, StrictModelSerializer, StrictSerializer
    from ticketflower.runs.serializers import FastRepresentation

    return [
        *get_lib_doc_excludes(),
        StrictMixin,
        StrictSerializer,
        StrictModelSerializer,
        FastRepresentation,
    ]


ACCESS = """Tickets and the workflows behind them. Errors: one shape, `{type, detail, errors:
[{pointer, message}]}`.

**Reaching a company.** Each company is served on its own host name, `SLUG.BASE_DOMAIN`
(under `make run`: `demo.localhost:8000`). Clients that do not resolve `*.localhost`
connect to the address and name the company in the `Host` header:
`curl http://127.0.0.1:8000/api/v1/me/ -H 'Host: demo.localhost:8000' -H 'Authorization: Token KEY'`
(a generated client: base URL `http://127.0.0.1:8000`, header `Host: demo.localhost:8000`;
with the port, the links in answers work).

**Authentication.** `POST /api/v1/auth/token/` with `{"username", "password"}` gives a key;
send it as `Authorization: Token KEY` (the word `Token`, a space, the key). A key belongs
to one company and means nothing on another company's host."""


def describe_access(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    """Say in the schema itself how a client reaches a company and authenticates."""
    result.setdefault("info", {})["description"] = ACCESS
    schemes = result.get("components", {}).get("securitySchemes", {})
    if "tokenAuth" in schemes:
        schemes["tokenAuth"]["description"] = (
            "`Authorization: Token KEY`, KEY from POST /api/v1/auth/token/; valid on its "
            "company's host only."
        )
    return result
