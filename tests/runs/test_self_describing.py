"""Tasks and tickets carry what a person or a client needs: a task's description, input
and expected output (required fields enforced on forms); a ticket's fields and summary;
links; search by the text of the fields."""

from __future__ import annotations

import pytest

from tests.runs.support import Runner, install, simple_bundle


def _bundle() -> dict:
    bundle = simple_bundle()
    bundle["workflow"]["fields_schema"]["required"] = ["approved", "amount"]
    review = bundle["tasks"][0]
    review["description"] = "Check the receipt, then approve or refuse."
    return bundle


@pytest.fixture
def described(alpha):
    return Runner(alpha, install(alpha, _bundle()), "staff")


def test_a_task_says_what_to_do_from_what_and_what_it_expects(described):
    ticket = described.submit({"amount": 42, "title": "Taxi to the airport"}).json()
    created = ticket["tasks"][0]
    listed = described.admin.get(f"/api/v1/tasks/?ticket={ticket['id']}").json()["results"][0]
    detail = described.admin.get(f"/api/v1/tasks/{created['id']}/").json()
    for task in (created, listed, detail):
        assert task["title"] == "Review"
        assert task["description"] == "Check the receipt, then approve or refuse."
        assert task["input"] == {"amount": 42}
        assert task["ticket_summary"] == ticket["summary"]
        assert task["url"] == f"http://alpha.localhost/api/v1/tasks/{created['id']}/"
        schema = task["output_schema"]
        assert list(schema["properties"]) == ["approved", "comment"]
        assert schema["properties"]["approved"] == {"type": "boolean"}
        assert schema["required"] == ["approved"]
        assert schema["additionalProperties"] is False


def test_a_form_missing_a_required_output_is_400_and_writes_nothing(described):
    ticket = described.submit({"amount": 5}).json()
    task = ticket["tasks"][0]["id"]
    person = described.helper.client("worker_person", "staff")
    assert person.post(f"/api/v1/tasks/{task}/claim/").status_code == 200
    answer = person.post(
        f"/api/v1/tasks/{task}/complete/", {"output": {"comment": "hm"}}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"pointer": "/output/approved", "message": "Required: the task's form must give it."}
    ]
    history = described.history(ticket["id"])
    assert len(history["iterations"]) == 1
    assert described.admin.get(f"/api/v1/tasks/{task}/").json()["status"] == "IN_PROGRESS"
    answer = person.post(
        f"/api/v1/tasks/{task}/complete/", {"output": {"approved": True}}, format="json"
    )
    assert answer.status_code == 200, answer.json()


def test_a_ticket_missing_a_required_field_is_400(described):
    answer = described.submit({"title": "no amount"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"pointer": "/fields/amount", "message": "Required: the ticket's form must give it."}
    ]


def test_a_ticket_carries_its_type_fields_summary_and_links(described):
    body = described.submit({"title": "Taxi", "amount": 12.5}).json()
    listed = described.submitter.get("/api/v1/tickets/").json()["results"][0]
    detail = described.submitter.get(f"/api/v1/tickets/{body['id']}/").json()
    for ticket in (body, listed, detail):
        assert ticket["title"] == "Expense claim"
        assert ticket["fields"] == {"title": "Taxi", "amount": 12.5}
        assert ticket["summary"] == "Expense claim: Taxi · amount: 12.5"
        assert ticket["url"] == f"http://alpha.localhost/api/v1/tickets/{body['id']}/"
        instance = ticket["workflow_instance"]
        assert (
            instance["url"] == f"http://alpha.localhost/api/v1/workflow-instances/{instance['id']}/"
        )


def test_a_files_download_is_an_absolute_link(described, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("a.txt", b"x", content_type="text/plain")
    body = described.submitter.post("/api/v1/files/", {"file": upload}, format="multipart").json()
    assert body["download"] == f"http://alpha.localhost/api/v1/files/{body['id']}/download/"
    assert body["url"] == f"http://alpha.localhost/api/v1/files/{body['id']}/"
    assert described.submitter.get(body["download"]).status_code == 200


def test_tickets_and_tasks_are_searched_by_the_text_of_their_fields(described, beta):
    taxi = described.submit({"title": "Taxi to Zürich", "amount": 30}).json()["id"]
    described.submit({"title": "Hotel", "amount": 120}).json()
    found = described.admin.get("/api/v1/tickets/?q=zürich").json()["results"]
    assert [t["id"] for t in found] == [taxi]
    tasks = described.admin.get("/api/v1/tasks/?q=ZÜRICH").json()["results"]
    assert {t["ticket"] for t in tasks} == {taxi}
    assert described.admin.get("/api/v1/tickets/?q=nothing-like-it").json()["count"] == 0
    # Another company's search finds nothing of alpha's.
    other = beta.client("boss", "ticket_admin")
    assert other.get("/api/v1/tickets/?q=taxi").json()["count"] == 0
