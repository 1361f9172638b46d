"""The OpenAPI schema generates without warnings and documents the error shape."""

import json

import pytest
from django.core.management import call_command


@pytest.mark.parametrize("urlconf", ["ticketflower.urls", "ticketflower.urls_public"])
def test_schema_validates_without_warnings(tmp_path, urlconf):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--urlconf",
        urlconf,
        "--file",
        str(out),
    )
    schema = json.loads(out.read_text())
    assert "Error" in schema["components"]["schemas"]
    operation_ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert all(not op_id.startswith("v1_") for op_id in operation_ids)


def test_schema_and_docs_are_served_on_tenant_hosts(alpha):
    client = alpha.anonymous()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    assert client.get("/api/docs/").status_code == 200


def test_every_operation_documents_its_errors(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "put", "patch"):
                assert "400" in operation["responses"], (method, path)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                assert "400" in operation["responses"], (method, path)
            if method == "delete":
                assert "409" in operation["responses"], (method, path)


def test_answers_the_schema_left_out_are_documented(alpha):
    # Found by fuzzing the API against its schema: a bad filter is a 400, deleting a
    # built-in role a 409; both answers are now in the schema.
    client = alpha.client("admin", "tenant_admin", "ticket_admin")
    assert client.get("/api/v1/ticket-errors/?error_status=X").status_code == 400
    schema = client.get("/api/schema/?format=json").json()
    assert "400" in schema["paths"]["/api/v1/ticket-errors/"]["get"]["responses"]
    assert "409" in schema["paths"]["/api/v1/roles/{id}/"]["delete"]["responses"]


def test_no_base_class_docstring_leaks_into_the_schema(alpha):
    """A serializer without its own docstring must not be described by our base classes'
    (they describe code, not a resource)."""
    schema = alpha.anonymous().get("/api/schema/?format=json").json()
    descriptions = [
        component.get("description", "") for component in schema["components"]["schemas"].values()
    ]
    leaked = [d for d in descriptions if "refuses unknown fields" in d or "hot paths" in d]
    assert leaked == []


def test_every_id_filter_is_an_integer_in_the_schema(alpha):
    """Generated clients type ids as integers: no query parameter is a bare `number`."""
    schema = alpha.anonymous().get("/api/schema/?format=json").json()
    numbers = [
        (op["operationId"], p["name"])
        for ops in schema["paths"].values()
        for op in ops.values()
        for p in op.get("parameters", [])
        if p["schema"].get("type") == "number"
    ]
    assert numbers == []
