"""Files: multipart upload, download, the size limit, visibility and tenant isolation."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(client, content=b"hello", name="note.txt", **extra):
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    return client.post("/api/v1/files/", {"file": upload, **extra}, format="multipart")


def test_upload_and_download(alpha, _media):
    client = alpha.client("uploader")
    answer = _upload(client, b"some bytes")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["filename"], body["size"], body["file_type"]) == ("note.txt", 10, "text/plain")
    download = client.get(body["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"some bytes"
    assert "attachment" in download["Content-Disposition"]
    # Stored under the company's schema name.
    assert list((_media / "alpha" / "uploads").iterdir())
    assert [f["id"] for f in client.get("/api/v1/files/").json()["results"]] == [body["id"]]


def test_size_limit(alpha, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 100
    client = alpha.client("uploader")
    answer = _upload(client, b"x" * 101)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["pointer"] == "/file"
    assert _upload(client, b"x" * 100).status_code == 201


def test_bad_uploads_are_400(alpha):
    client = alpha.client("uploader")
    assert client.post("/api/v1/files/", {}, format="multipart").status_code == 400
    answer = _upload(client, ticket=10**9)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/ticket"
    answer = client.post("/api/v1/files/", {"file": "x"}, format="json")
    assert answer.status_code in (400, 415)


def test_a_content_type_holding_nul_is_400_and_leaves_no_file(alpha, _media):
    client = alpha.client("uploader")
    body = (
        b"--BB\r\n"
        b'Content-Disposition: form-data; name="file"; filename="xy.txt"\r\n'
        b"Content-Type: text/pl\x00ain\r\n\r\nhi\r\n--BB--\r\n"
    )
    answer = client.post("/api/v1/files/", body, content_type="multipart/form-data; boundary=BB")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["pointer"] == "/file"
    assert client.get("/api/v1/files/").json()["results"] == []
    assert not (_media / "alpha" / "uploads").exists() or not list(
        (_media / "alpha" / "uploads").iterdir()
    )


def test_files_are_isolated(alpha, beta, expense):
    ticket = expense.submit({"amount": 1}).json()["id"]
    answer = _upload(expense.submitter, b"receipt", ticket=ticket)
    assert answer.status_code == 201, answer.json()
    file_id = answer.json()["id"]
    # A colleague with the ticket's role sees it; a stranger and another company do not.
    colleague = alpha.client("colleague", "staff")
    assert colleague.get(f"/api/v1/files/{file_id}/download/").status_code == 200
    stranger = alpha.client("stranger", "sales")
    assert stranger.get(f"/api/v1/files/{file_id}/").status_code == 404
    assert stranger.get(f"/api/v1/files/{file_id}/download/").status_code == 404
    other = beta.client("boss", "ticket_admin")
    assert other.get(f"/api/v1/files/{file_id}/").status_code == 404
    assert other.get(f"/api/v1/files/{file_id}/download/").status_code == 404
    # A file without a ticket is its uploader's (and ticket admins').
    private = _upload(stranger, b"mine").json()["id"]
    assert colleague.get(f"/api/v1/files/{private}/").status_code == 404
    assert expense.admin.get(f"/api/v1/files/{private}/").status_code == 200


def test_uploading_a_name_again_to_a_ticket_makes_the_next_version_and_keeps_each(expense):
    ticket = expense.submit({"amount": 1}).json()["id"]
    first = _upload(expense.submitter, b"draft", name="quote.pdf", ticket=ticket).json()
    second = _upload(expense.submitter, b"final", name="quote.pdf", ticket=ticket).json()
    other = _upload(expense.submitter, b"x", name="other.pdf", ticket=ticket).json()
    assert (first["version"], second["version"], other["version"]) == (1, 2, 1)
    # Every version stays downloadable, with its own content.
    for body, content in ((first, b"draft"), (second, b"final")):
        answer = expense.submitter.get(body["download"])
        assert b"".join(answer.streaming_content) == content
    # The versions of one name, newest first.
    listed = expense.submitter.get(f"/api/v1/files/?ticket={ticket}&filename=quote.pdf").json()
    assert [(f["id"], f["version"]) for f in listed["results"]] == [
        (second["id"], 2),
        (first["id"], 1),
    ]
    # Another ticket starts its own count.
    again = expense.submit({"amount": 2}).json()["id"]
    assert _upload(expense.submitter, name="quote.pdf", ticket=again).json()["version"] == 1


def test_files_without_a_ticket_are_versioned_per_uploader(alpha):
    one, two = alpha.client("one"), alpha.client("two")
    assert _upload(one, name="cv.txt").json()["version"] == 1
    assert _upload(one, name="cv.txt").json()["version"] == 2
    assert _upload(two, name="cv.txt").json()["version"] == 1
