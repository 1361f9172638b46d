"""One representation of a user everywhere a resource names one: {id, username}."""

from __future__ import annotations


def _ref(alpha, username: str) -> dict:
    return {"id": alpha.user(username).pk, "username": username}


def test_every_resource_names_users_the_same_way(alpha, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.runs.support import Runner, install, simple_bundle

    settings.MEDIA_ROOT = tmp_path
    designer = alpha.client("designer", "workflow_creator")
    runner = Runner(alpha, install(alpha, simple_bundle()), "staff")
    ticket = runner.submit({"amount": 1}).json()
    task = ticket["tasks"][0]["id"]
    person = alpha.client("worker_person", "staff")
    person.post(f"/api/v1/tasks/{task}/claim/")
    person.post(f"/api/v1/tasks/{task}/complete/", {"output": {"approved": False}}, format="json")
    upload = SimpleUploadedFile("a.txt", b"x")
    file = runner.submitter.post(
        "/api/v1/files/", {"file": upload, "ticket": ticket["id"]}, format="multipart"
    ).json()

    submitter, worker = _ref(alpha, "submitter"), _ref(alpha, "worker_person")
    workflow = designer.get(f"/api/v1/workflows/{runner.workflow['id']}/").json()
    assert workflow["created_by"] == _ref(alpha, "designer")
    assert workflow["tasks"][0]["created_by"] == _ref(alpha, "designer")
    assert ticket["created_by"] == submitter
    assert runner.admin.get(f"/api/v1/tickets/{ticket['id']}/").json()["created_by"] == submitter
    assert runner.admin.get("/api/v1/tickets/").json()["results"][0]["created_by"] == submitter
    done = runner.admin.get(f"/api/v1/tasks/{task}/").json()
    assert (done["assigned_to"], done["completed_by"]) == (worker, worker)
    assert file["uploaded_by"] == submitter
    history = runner.history(ticket["id"])
    assert history["iterations"][0]["created_by"] == submitter
    assert history["iterations"][1]["created_by"] == worker
    assert history["tasks"][0]["completed_by"] == worker
    instance = ticket["workflow_instance"]["id"]
    data = runner.admin.get(f"/api/v1/workflow-instances/{instance}/data/?iteration=0").json()
    assert data["created_by"] == submitter
