"""Request middleware: tenant routing by host, and the request body size limit."""

from __future__ import annotations

from django.conf import settings
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.lookups import company_for_host
from ticketflower.api.errors import json_error


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' routing by host name; an unknown host gets the JSON 404."""

    def get_tenant(self, domain_model, hostname):
        """The company serving `hostname` (tenants/lookups.py: no `SET search_path`)."""
        company = company_for_host(hostname.lower())  # host names are case-insensitive
        if company is None:
            raise domain_model.DoesNotExist(hostname)
        return company

    def no_tenant_found(self, request, hostname):
        return json_error(404, "not_found", "Not found.")


class BodySizeLimitMiddleware:
    """Refuse bodies whose declared length exceeds the limit before reading them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "bad_request", "Invalid Content-Length header.")
        limit = max(settings.MAX_JSON_BODY_BYTES, settings.FILE_UPLOAD_MAX_BYTES)
        if length > limit:
            return json_error(
                413, "request_too_large", f"Request bodies are limited to {limit} bytes."
            )
        return self.get_response(request)
