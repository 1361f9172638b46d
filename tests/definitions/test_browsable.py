"""The browsable API is the tenant admins' UI: lists, details and forms render."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

URLS = [
    "/api/v1/workflows/",
    "/api/v1/workflows/{w}/",
    "/api/v1/workflows/{w}/bundle/",
    "/api/v1/workflows/{w}/analysis/",
    "/api/v1/task-definitions/",
    "/api/v1/task-definitions/{t}/",
    "/api/v1/completions/",
    "/api/v1/completions/{c}/",
    "/api/v1/ticket-definitions/",
    "/api/v1/ticket-definitions/{k}/",
    "/api/v1/workflows/?status=DRAFT&ordering=-title",
    "/api/v1/",
]


@pytest.mark.parametrize("url", URLS)
def test_pages_render_as_html_with_forms(designer, imported, url):
    w = imported()
    url = url.format(
        w=w["id"], t=w["tasks"][0]["id"], c=w["completions"][0]["id"], k=w["tickets"][0]["id"]
    )
    answer = designer.get(url, HTTP_ACCEPT="text/html")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/html")
    html = answer.content.decode()
    assert "<form" in html


def test_the_html_form_creates_and_edits_a_task(designer, imported):
    w = imported()
    form = {
        "workflow": str(w["id"]),
        "title": "From a form",
        "task_type": "FORM",
        "input_fields": '["items"]',
        "output_fields": '["quote"]',
        "condition": "",
        "ext_ref": "",
        "input_transform": "",
        "output_transform": "",
    }
    answer = designer.post("/api/v1/task-definitions/", form, HTTP_ACCEPT="text/html")
    assert answer.status_code == 201, answer.content[:2000]
    created = designer.get(f"/api/v1/task-definitions/?workflow={w['id']}&title=form").json()
    task = created["results"][0]
    assert task["input_fields"] == ["items"]
    assert task["condition"] is None
    # The edit form: the browsable API's script sends the form's fields as a PUT.
    edit = urlencode({**form, "title": "Edited", "condition": '{"==": [1, 1]}'})
    answer = designer.put(
        f"/api/v1/task-definitions/{task['id']}/",
        edit,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="text/html",
    )
    assert answer.status_code == 200, answer.content[:2000]
    assert designer.get(f"/api/v1/task-definitions/{task['id']}/").json()["condition"] == {
        "==": [1, 1]
    }


def test_the_html_form_creates_a_workflow(designer):
    form = {"title": "Form-made", "fields_schema": '{"type": "object", "properties": {}}'}
    answer = designer.post("/api/v1/workflows/", form, HTTP_ACCEPT="text/html")
    assert answer.status_code == 201, answer.content[:2000]
    form["fields_schema"] = "null"
    answer = designer.post("/api/v1/workflows/", form, HTTP_ACCEPT="text/html")
    assert answer.status_code == 400
