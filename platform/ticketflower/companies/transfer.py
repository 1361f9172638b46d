"""One company's data out to a file and back in: `ticketflower tenant export|import`.

The file is a zip: `company.json` (format, the company's slug, name and hosts, the
migrations its rows are at), `rows.json` (every row of the company's schema in Django's
serialization, foreign keys to permissions by natural key) and `files/<storage name>`
(every uploaded file). Credentials in use are left out — API tokens and sessions —
so a file that leaks opens no door; people log in again with their passwords (hashes
travel). Importing creates the company anew (a cloned schema), loads the rows with their
ids, moves the sequences past them and stores the files; it is one transaction, so a
refused or broken file leaves nothing behind (docs/decision-company-export.md).
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import schema_context

from tenants.models import Company, Domain
from ticketflower.companies.provisioning import (
    ProvisioningError,
    new_tenant_problems,
    template_schema,
    tenant_host,
)

FORMAT = "ticketflower.company/v1"
# Rows that are the schema's furniture (made by its migrations) or live credentials.
_LEFT_OUT = {
    "auth.permission",
    "contenttypes.contenttype",
    "sessions.session",
    "authtoken.token",
    "authtoken.tokenproxy",
    "accounts.apitoken",
}


def company_models() -> list[type[models.Model]]:
    """The models whose rows are a company's, in an order that loads (dependencies first)."""
    labels = {name.rsplit(".", 1)[-1] for name in settings.TENANT_APPS}
    chosen: dict[Any, list[type[models.Model]]] = {}
    for config in apps.get_app_configs():
        if config.label not in labels:
            continue
        kept = [
            m
            for m in config.get_models()
            if m._meta.label_lower not in _LEFT_OUT and not m._meta.proxy
        ]
        if kept:
            chosen[config] = kept
    return serializers.sort_dependencies(chosen.items(), allow_cycles=True)


def _migrations(schema: str) -> dict[str, str]:
    """The latest applied migration of each tenant app in a schema."""
    labels = {name.rsplit(".", 1)[-1] for name in settings.TENANT_APPS}
    with schema_context(schema):
        latest: dict[str, str] = {}
        for app, name in MigrationRecorder(connection).applied_migrations():
            if app in labels and name > latest.get(app, ""):
                latest[app] = name
    return latest


def export_company(slug: str, target: Path | io.BytesIO) -> dict[str, int]:
    """Write one company's data to `target` (a zip); returns the rows and files written."""
    with schema_context("public"):
        company = Company.objects.filter(schema_name=slug).first()
        if company is None or slug == "public":
            raise ProvisioningError("No such company.", [("/slug", f"No company {slug!r}.")])
        hosts = list(Domain.objects.filter(tenant=company).values_list("domain", flat=True))
    counts = {"rows": 0, "files": 0}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        # One snapshot: rows and files as they were at one moment.
        outermost = not connection.in_atomic_block
        with transaction.atomic(), schema_context(slug):
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = _rows(company_models())
            counts["rows"] = len(rows)
            archive.writestr("rows.json", json.dumps(rows, cls=_Encoder))
            from ticketflower.runs.models import FileUpload

            for name in FileUpload.objects.values_list("ext_key", flat=True):
                with default_storage.open(name, "rb") as stored:
                    archive.writestr(f"files/{name}", stored.read())
                counts["files"] += 1
        header = {
            "format": FORMAT,
            "slug": slug,
            "name": company.name,
            "hosts": hosts,
            "migrations": _migrations(slug),
            **counts,
        }
        archive.writestr("company.json", json.dumps(header, indent=2))
    return counts


def _rows(chosen: Iterable[type[models.Model]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for model in chosen:
        queryset = model._default_manager.order_by(model._meta.pk.name)
        # Django's "python" form, not its "json" one: that one cuts times to milliseconds.
        rows += serializers.serialize("python", queryset.iterator(), use_natural_foreign_keys=True)
    return rows


class _Encoder(DjangoJSONEncoder):
    """Times to the microsecond (as stored), the rest as Django encodes it."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def import_company(
    source: Path | io.BytesIO, *, slug: str | None = None, domain: str | None = None
) -> dict[str, Any]:
    """Create a company from an export (under its own slug unless `slug` is given)."""
    with zipfile.ZipFile(source) as archive:
        header = json.loads(archive.read("company.json"))
        if header.get("format") != FORMAT:
            raise ProvisioningError("Not a company export.", [("/format", f"Expected {FORMAT!r}.")])
        slug = slug or header["slug"]
        domain = domain or tenant_host(slug)
        with schema_context("public"):
            problems = new_tenant_problems(slug, domain)
            ours = _migrations(template_schema())
            if header["migrations"] != ours:
                problems.append(("/migrations", _migration_mismatch(header["migrations"], ours)))
            if problems:
                raise ProvisioningError("The company cannot be imported.", problems)
            rows = json.loads(archive.read("rows.json"))
            files = [n for n in archive.namelist() if n.startswith("files/")]
            written: list[str] = []
            try:
                with transaction.atomic():
                    company = Company.objects.create(schema_name=slug, name=header["name"])
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT tf_clone_schema(%s, %s)", [template_schema(), slug])
                    Domain.objects.create(domain=domain, tenant=company, is_primary=True)
                    try:
                        stored = _load(slug, header["slug"], rows, archive, files, written)
                    except (DeserializationError, DatabaseError, LookupError, ValueError) as exc:
                        raise ProvisioningError(
                            "The export could not be loaded: nothing was imported.",
                            [("/rows", f"{type(exc).__name__}: {exc}"[:500])],
                        ) from exc
            except BaseException:
                # Nothing of a failed import stays: its rows rolled back, its files go.
                for name in written:
                    default_storage.delete(name)
                raise
    return {"slug": slug, "domain": domain, "rows": len(rows), "files": stored}


def _migration_mismatch(theirs: dict[str, str], ours: dict[str, str]) -> str:
    differing = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
    where = ", ".join(f"{k}: {theirs.get(k)} here {ours.get(k)}" for k in differing)
    return f"The export's rows are at other migrations ({where}): migrate one side first."


def _load(
    slug: str,
    exported_as: str,
    rows: list[dict],
    archive: zipfile.ZipFile,
    files: list[str],
    written: list[str],
) -> int:
    chosen = company_models()
    with schema_context(slug):
        # The template's own rows (built-in roles, a signing secret) give way to the
        # export's, which include them as they were in the company.
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in chosen)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        renamed = exported_as != slug
        for row in rows:
            if renamed and row["model"] == "runs.fileupload":
                row["fields"]["ext_key"] = _moved(row["fields"]["ext_key"], exported_as, slug)
        later = []
        for loaded in serializers.deserialize("python", rows, handle_forward_references=True):
            loaded.save()
            if loaded.deferred_fields:
                later.append(loaded)
        for loaded in later:  # references to rows that came after them (as loaddata does)
            loaded.save_deferred_fields()
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), chosen):
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in files:
            key = name.removeprefix("files/")
            target = _moved(key, exported_as, slug) if renamed else key
            saved = default_storage.save(target, ContentFile(archive.read(name)))
            written.append(saved)
            if saved != target:  # a name already taken in storage: the row follows the file
                from ticketflower.runs.models import FileUpload

                FileUpload.objects.filter(ext_key=target).update(ext_key=saved)
    return len(files)


def _moved(name: str, old: str, new: str) -> str:
    """A storage name under another company's folder (`<schema>/uploads/...`)."""
    return new + name[len(old) :] if name.startswith(old + "/") else name
