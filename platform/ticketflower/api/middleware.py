"""Request middleware: tenant routing by host, and the request body size limit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django_tenants.middleware.main import TenantMainMiddleware

from ticketflower.api.errors import json_error
from ticketflower.companies.lookups import company_for_host


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' routing by host name; an unknown host gets the JSON 404, a host
    this service does not answer (not in ALLOWED_HOSTS) the JSON 400, both saying how to
    address a company (django-tenants would answer an empty HTML 404)."""

    def process_request(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            host = request.META.get("HTTP_HOST", "")[:100]
            return json_error(
                400,
                "bad_request",
                f"This service does not answer for the host {host!r}. Address a company by "
                f"its host name, SLUG.{settings.BASE_DOMAIN}: in the URL, or in a Host "
                f"header when connecting to an address (e.g. curl http://127.0.0.1:8000/... "
                f"-H 'Host: demo.{settings.BASE_DOMAIN}:8000').",
            )
        return super().process_request(request)

    def get_tenant(self, domain_model, hostname):
        """The company serving `hostname` (companies/lookups.py: no `SET search_path`)."""
        company = company_for_host(hostname.lower())  # host names are case-insensitive
        if company is None:
            raise domain_model.DoesNotExist(hostname)
        return company

    def no_tenant_found(self, request, hostname):
        return json_error(
            404, "not_found", f"No company is served at {hostname!r}: check the host name."
        )


class BodySizeLimitMiddleware:
    """Refuse bodies whose declared length exceeds the limit before reading them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "bad_request", "Invalid Content-Length header.")
        # Uploads (multipart) may be as large as a file; anything else is held to the JSON
        # limit, as docs/errors.md says (Django's own limit would answer 400 beyond it).
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.FILE_UPLOAD_MAX_BYTES if multipart else settings.MAX_JSON_BODY_BYTES
        if multipart:
            limit = max(limit, settings.MAX_JSON_BODY_BYTES)
        if length > limit:
            return json_error(
                413, "request_too_large", f"Request bodies are limited to {limit} bytes."
            )
        return self.get_response(request)


# What Django's technical pages (DEBUG) say of themselves, in HTML and in text.
_DEBUG_PAGE_MARK = b"DEBUG = True"
_TYPES_BY_STATUS = {
    400: "bad_request", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
    413: "request_too_large",
}  # fmt: skip


class NoDebugPagesMiddleware:
    """Under DEBUG, Django answers errors with its technical pages: the settings, the
    environment, every URL pattern. Those are for the developer's console (the traceback
    is logged), never for a client: the answer becomes the one error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code >= 400
            and not response.streaming
            and _DEBUG_PAGE_MARK in response.content
        ):
            status = response.status_code
            kind = _TYPES_BY_STATUS.get(status, "server_error" if status >= 500 else "error")
            detail = {404: "Not found.", 500: "Internal server error."}.get(status, "Error.")
            return json_error(status, kind, detail)
        return response
