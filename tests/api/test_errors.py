"""Bad input gets the one error shape (type, detail, errors with pointers), never a 500."""

import pytest
from django.test import override_settings


@pytest.fixture
def admin_client(alpha):
    return alpha.client("root", "tenant_admin")


def assert_shape(body):
    assert set(body) == {"type", "detail", "errors", "request_id"}
    assert body["errors"], "at least one problem"
    for problem in body["errors"]:
        assert set(problem) == {"pointer", "message"}
        assert problem["pointer"] == "" or problem["pointer"].startswith("/")


def test_malformed_json_is_a_parse_error(admin_client):
    answer = admin_client.post("/api/v1/roles/", '{"name": ', content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["type"] == "parse_error"
    assert_shape(answer.json())


def test_nan_is_not_json(admin_client):
    answer = admin_client.post("/api/v1/roles/", '{"name": NaN}', content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["type"] == "parse_error"


def test_unknown_field_is_named_by_its_pointer(admin_client):
    answer = admin_client.post("/api/v1/roles/", {"name": "sales", "colour": "red"}, format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert_shape(body)
    assert body["type"] == "validation_error"
    assert {"pointer": "/colour", "message": "Unknown field."} in body["errors"]


def test_missing_and_wrong_typed_fields_are_all_reported(admin_client):
    answer = admin_client.post(
        "/api/v1/users/", {"username": ["x"], "roles": "nope"}, format="json"
    )
    assert answer.status_code == 400
    pointers = {p["pointer"] for p in answer.json()["errors"]}
    assert {"/username", "/roles"} <= pointers


def test_nested_list_errors_point_into_the_list(admin_client):
    answer = admin_client.post(
        "/api/v1/users/",
        {"username": "dora", "password": "correct-horse-battery", "roles": ["ghost_role"]},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"pointer": "/roles/0", "message": "Unknown role 'ghost_role'."}
    ]


def test_wrong_content_type_is_415(admin_client):
    answer = admin_client.post("/api/v1/roles/", "name=sales", content_type="text/plain")
    assert answer.status_code == 415
    assert answer.json()["type"] == "unsupported_media_type"
    assert_shape(answer.json())


def test_json_array_body_is_a_validation_error_not_a_500(admin_client):
    answer = admin_client.post("/api/v1/roles/", [1, 2], format="json")
    assert answer.status_code == 400
    assert_shape(answer.json())


@override_settings(MAX_JSON_BODY_BYTES=1000, FILE_UPLOAD_MAX_BYTES=1000)
def test_oversize_body_is_413(admin_client):
    answer = admin_client.post("/api/v1/roles/", {"name": "x" * 5000}, format="json")
    assert answer.status_code == 413
    assert answer.json()["type"] == "request_too_large"
    assert_shape(answer.json())


def test_unknown_path_is_a_json_404(admin_client):
    answer = admin_client.get("/api/v1/no-such-thing/")
    assert answer.status_code == 404
    assert answer.json()["type"] == "not_found"
    outside_the_api = admin_client.get("/no-such-page/")
    assert outside_the_api.status_code == 404
    assert outside_the_api.json()["type"] == "not_found"


def test_method_not_allowed_in_shape(admin_client):
    answer = admin_client.put("/api/v1/me/", {}, format="json")
    assert answer.status_code == 405
    assert answer.json()["type"] == "method_not_allowed"
