"""The one error shape of the API (docs/errors.md).

Every 4xx answer is `{"type", "detail", "errors": [{"pointer", "message"}]}`: `type` is a
stable machine name, `detail` a sentence for people, and each problem carries a JSON
pointer (RFC 6901) into the request body ("" for the body as a whole).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

# DRF exception classes → our stable `type` names.
_TYPES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def escape_pointer_token(token: Any) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: Any) -> str:
    """Build a JSON pointer from reference tokens."""
    return "".join("/" + escape_pointer_token(t) for t in tokens)


def flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten DRF error details (nested dicts and lists) into pointer + message problems."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            sub = prefix if key in ("non_field_errors", "__all__") else prefix + pointer(key)
            out.extend(flatten(value, sub))
        return out
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return [{"pointer": prefix, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            if item in ({}, [], None, ""):
                continue
            if isinstance(item, dict | list | tuple):
                out.extend(flatten(item, prefix + pointer(index)))
            else:
                out.append({"pointer": prefix, "message": str(item)})
        return out
    return [{"pointer": prefix, "message": str(detail)}]


class ProblemError(exceptions.APIException):
    """A refusal carrying its problems; raised by the service layer, shaped by the handler."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request was refused."
    default_code = "invalid"

    def __init__(
        self,
        detail: str,
        problems: Iterable[tuple[str, str]] | Iterable[dict[str, str]] = (),
        *,
        type: str = "validation_error",
        status_code: int = status.HTTP_400_BAD_REQUEST,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.type = type
        self.problems = [
            dict(p) if isinstance(p, dict) else {"pointer": p[0], "message": p[1]} for p in problems
        ]


class Conflict(ProblemError):
    """409: the target's state does not allow the operation (e.g. an ACTIVE definition)."""

    def __init__(self, detail: str, problems: Iterable[Any] = ()) -> None:
        super().__init__(detail, problems, type="conflict", status_code=status.HTTP_409_CONFLICT)


class RequestTooLarge(ProblemError):
    """413: the request body is over the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than {limit} bytes.",
            [("", f"Request bodies are limited to {limit} bytes.")],
            type="request_too_large",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )


def error_body(type: str, detail: str, problems: list[dict[str, str]]) -> dict[str, Any]:
    """The JSON body of every error answer; `request_id` names the log lines of the request."""
    body: dict[str, Any] = {"type": type, "detail": detail, "errors": problems}
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        body["request_id"] = request_id
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every handled error in the one shape."""
    # Imported here: rest_framework.views loads the parser settings, which import this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ProblemError):
        body = error_body(exc.type, str(exc.detail), exc.problems)
    elif isinstance(exc, exceptions.ValidationError):
        problems = flatten(exc.detail)
        body = error_body("validation_error", "The request has invalid fields.", problems)
    else:
        kind = next((t for cls, t in _TYPES.items() if isinstance(exc, cls)), "error")
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        body = error_body(kind, detail, [{"pointer": "", "message": detail}])
    response.data = body
    return response


def json_error(status_code: int, type: str, detail: str) -> JsonResponse:
    """An error answer outside DRF (middleware, Django's 404/500 handlers)."""
    body = error_body(type, detail, [{"pointer": "", "message": detail}])
    return JsonResponse(body, status=status_code)


def handler404(request, exception=None) -> JsonResponse:  # noqa: ARG001
    return json_error(404, "not_found", "Not found.")


def handler500(request) -> JsonResponse:  # noqa: ARG001
    from ticketflower.api.health import outage_response

    return outage_response() or json_error(500, "server_error", "Internal server error.")


def handler400(request, exception=None) -> JsonResponse:  # noqa: ARG001
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):
        return json_error(413, "request_too_large", "The request body is too large.")
    return json_error(400, "bad_request", "Bad request.")


def handler403(request, exception=None) -> JsonResponse:  # noqa: ARG001
    return json_error(403, "permission_denied", "Permission denied.")
