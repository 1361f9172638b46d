"""The hardening battery's findings, each refused (issue "Hardening"): body limits where
documented, the error shape in development mode too, domains the platform can route."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _json_of_size(size: int) -> bytes:
    body = json.dumps({"ticket_definition": 1, "fields": {"note": ""}})
    padding = size - len(body)
    return json.dumps({"ticket_definition": 1, "fields": {"note": "x" * padding}}).encode()


@pytest.mark.parametrize("path", ["/api/v1/tickets/", "/api/v1/bundles/validate/"])
def test_a_json_body_one_byte_over_the_documented_limit_is_413(alpha, settings, path):
    limit = settings.MAX_JSON_BODY_BYTES
    client = alpha.client("ann", "workflow_creator")
    over = client.post(path, _json_of_size(limit + 1), content_type="application/json")
    assert over.status_code == 413, over.content[:300]
    assert over.json()["type"] == "request_too_large"
    three_mib = client.post(path, _json_of_size(3 * 1024 * 1024), content_type="application/json")
    assert three_mib.status_code == 413
    at_limit = client.post(path, _json_of_size(limit), content_type="application/json")
    assert at_limit.status_code != 413


@override_settings(DEBUG=True)
def test_development_mode_answers_errors_in_the_error_shape_without_the_environment(alpha):
    client = alpha.anonymous()
    unknown = client.get("/api/v1/tickets/1/nothing/here/")
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "not_found"
    assert b"DATABASE_URL" not in unknown.content and b"urlpatterns" not in unknown.content
    big = client.post("/api/v1/auth/token/", _json_of_size(3 * 1024 * 1024),
                      content_type="application/json")  # fmt: skip
    assert big.status_code == 413 and big.json()["type"] == "request_too_large"
    assert b"REDIS_URL" not in big.content
    elsewhere = client.get("/no/such/page/")
    assert elsewhere.status_code == 404 and elsewhere.json()["type"] == "not_found"
