"""A company's export and import: a round trip into a fresh database gives back every row
and file of that company and nothing of another; a refused or broken import leaves
nothing behind."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import PASSWORD, database_url
from tests.runs.support import Runner, install, simple_bundle
from ticketflower.companies.provisioning import ProvisioningError
from ticketflower.companies.transfer import company_models, export_company, import_company

ROOT = Path(__file__).resolve().parents[2]


def _cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ticketflower.cli", *argv],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def _populate(helper) -> dict:
    """Tickets in several states, a ticket error, a file, comments with a mention and an
    internal note: what a company holds."""
    runner = Runner(helper, install(helper, simple_bundle()), "staff")
    done = runner.submit({"amount": 10, "title": "paid"}).json()
    runner.complete(done["id"], "Review", {"approved": False, "comment": "no"})
    waiting = runner.submit({"amount": 20, "title": "waiting"}).json()
    upload = SimpleUploadedFile("receipt.txt", b"receipt bytes", content_type="text/plain")
    answer = runner.submitter.post(
        "/api/v1/files/", {"file": upload, "ticket": waiting["id"]}, format="multipart"
    )
    assert answer.status_code == 201, answer.json()
    runner.fail(waiting["id"], "Review", "the reviewer's system failed")
    comments = f"/api/v1/tickets/{waiting['id']}/comments/"
    mention = runner.submitter.post(comments, {"body": "@boss see the receipt"}, format="json")
    assert mention.json()["mentions"][0]["username"] == "boss", mention.json()
    note = {"body": "Known customer.", "internal": True}
    assert runner.admin.post(comments, note, format="json").status_code == 201
    return {"done": done["id"], "waiting": waiting["id"]}


def _table_rows(url: str, schema: str) -> dict[str, list]:
    """Every row of the company's tables (those an export carries), by table."""
    tables = sorted(
        {m._meta.db_table for m in company_models()}
        | {"auth_user_groups", "discussions_comment_mentions"}
    )
    with psycopg.connect(url) as db:
        out = {}
        for table in tables:
            rows = db.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1').fetchall()
            out[table] = [tuple(str(v) for v in row) for row in rows]
    return out


@pytest.fixture
def fresh_database(django_db_blocker):
    """An empty database on the same server, migrated by the CLI; dropped afterwards."""
    name = f"tf_import_{uuid.uuid4().hex[:8]}"
    test_url = database_url()
    admin_url = test_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    url = test_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as db:
            db.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_company_exported_and_imported_into_a_fresh_database_has_every_row_and_file(
    committed_tenant, fresh_database, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media-a"
    _populate(committed_tenant)
    env = dict(os.environ, DATABASE_URL=database_url(), TICKETFLOWER_DEV="1",
               TICKETFLOWER_MEDIA_ROOT=str(tmp_path / "media-a"))  # fmt: skip
    export = tmp_path / "company.zip"
    done = _cli("tenant", "export", committed_tenant.slug, str(export), env=env)
    assert done.returncode == 0, done.stderr
    assert "1 files" in done.stdout

    fresh = dict(env, DATABASE_URL=fresh_database, TICKETFLOWER_MEDIA_ROOT=str(tmp_path / "b"))
    assert _cli("migrate", env=fresh).returncode == 0
    done = _cli("tenant", "import", str(export), env=fresh)
    assert done.returncode == 0, done.stderr

    slug = committed_tenant.slug
    imported, original = _table_rows(fresh_database, slug), _table_rows(database_url(), slug)
    for table in original:
        assert imported[table] == original[table], table
    stored = list((tmp_path / "b" / slug / "uploads").iterdir())
    assert [p.read_bytes() for p in stored] == [b"receipt bytes"]
    # Credentials in use are not carried; the people and their passwords are.
    with psycopg.connect(fresh_database) as db:
        tokens = f'SELECT count(*) FROM "{slug}".accounts_apitoken'
        assert db.execute(tokens).fetchone() == (0,)
        hosts = db.execute("SELECT domain FROM tenants_domain").fetchall()
    assert (f"{slug.replace('_', '-')}.localhost",) in hosts
    # Importing the same company again is refused: it exists.
    again = _cli("tenant", "import", str(export), env=fresh)
    assert again.returncode == 1 and "exists" in again.stderr


@pytest.mark.django_db
def test_an_export_holds_nothing_of_another_company(alpha, beta, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _populate(alpha)
    secret = Runner(beta, install(beta, simple_bundle()), "staff")
    secret.submit({"amount": 99, "title": "beta-only-secret"})
    target = io.BytesIO()
    export_company("alpha", target)
    with zipfile.ZipFile(target) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"beta-only-secret" not in everything
    assert b"paid" in everything and b"receipt bytes" in everything


@pytest.mark.django_db
def test_an_import_under_another_slug_moves_its_files_and_works(alpha, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tickets = _populate(alpha)
    target = io.BytesIO()
    export_company("alpha", target)
    done = import_company(io.BytesIO(target.getvalue()), slug="alpha_copy")
    assert done == {"slug": "alpha_copy", "domain": "alpha-copy.localhost", "rows": done["rows"],
                    "files": 1}  # fmt: skip
    from tests.helpers import TenantHelper

    copy = TenantHelper("alpha_copy")
    copy.host = "alpha-copy.localhost"
    login = copy.anonymous().post(
        "/api/v1/auth/token/", {"username": "submitter", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200, login.json()
    client = copy.anonymous()
    client.credentials(HTTP_AUTHORIZATION=f"Token {login.json()['token']}")
    ticket = client.get(f"/api/v1/tickets/{tickets['waiting']}/").json()
    assert ticket["fields"]["title"] == "waiting"
    comments = client.get(f"/api/v1/tickets/{tickets['waiting']}/comments/").json()["results"]
    assert [(c["body"], [m["username"] for m in c["mentions"]]) for c in comments] == [
        ("@boss see the receipt", ["boss"])
    ]
    (file,) = client.get("/api/v1/files/").json()["results"]
    download = client.get(file["download"])
    assert b"".join(download.streaming_content) == b"receipt bytes"
    assert list((tmp_path / "alpha_copy" / "uploads").iterdir())
    # A new ticket gets a fresh id: the sequences moved past the imported rows.
    (kind,) = client.get("/api/v1/ticket-definitions/").json()["results"]
    body = {"ticket_definition": kind["id"], "fields": {"amount": 5}}
    new = client.post("/api/v1/tickets/", body, format="json")
    assert new.status_code == 201, new.json()
    assert new.json()["id"] > max(tickets.values())


@pytest.mark.django_db
def test_a_refused_or_broken_import_leaves_nothing_behind(alpha, settings, tmp_path):
    from tenants.models import Company

    settings.MEDIA_ROOT = tmp_path
    _populate(alpha)
    target = io.BytesIO()
    export_company("alpha", target)
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    header = json.loads(parts["company.json"])

    def repacked(**changes: bytes) -> io.BytesIO:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in {**parts, **changes}.items():
                archive.writestr(name, data)
        out.seek(0)
        return out

    older = dict(header, migrations={**header["migrations"], "runs": "0001_initial"})
    with pytest.raises(ProvisioningError) as refused:
        import_company(repacked(**{"company.json": json.dumps(older).encode()}), slug="copy_a")
    assert refused.value.problems[0][0] == "/migrations"
    rows = json.loads(parts["rows.json"])
    rows.append({"model": "runs.ticketinstance", "pk": 1, "fields": {"ticket_definition": 999}})
    with pytest.raises(ProvisioningError) as broken:
        import_company(repacked(**{"rows.json": json.dumps(rows).encode()}), slug="copy_b")
    assert broken.value.problems[0][0] == "/rows"
    assert not Company.objects.filter(schema_name__in=["copy_a", "copy_b"]).exists()
    assert not (tmp_path / "copy_b").exists() or not any((tmp_path / "copy_b").rglob("*.txt"))
