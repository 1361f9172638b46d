"""Many companies on one PostgreSQL: creating them, migrating them, and the API's latency.

    .venv/bin/python bench/companies.py                 # 1,000 companies (~10 min)
    .venv/bin/python bench/companies.py --companies 20  # a smoke run

Uses its own database `tf_bench_companies` on the server of DATABASE_URL (the machine's
PostgreSQL by default), dropped and created afresh. Measures:
- creating a company (row, cloned schema, host, admin user) at the start and at the
  last: the admin's password is hashed with a fast hasher here, because its deliberate
  ~0.3 s of PBKDF2 (bench/tenants.py measures it) would hide the provisioning cost;
- `migrate` when nothing is to do, across all companies (companies/migration_state.py
  finds the schemas behind in one query per 200) — and, for comparison, django-tenants'
  own path (a migration run per schema) on the first 100 schemas;
- a migration that must run in every schema (the data migration accounts 0002, marked
  unapplied everywhere, run again: a RunPython in each schema);
- the API's latency for one company (list tickets, submit a ticket; Django's handler
  in-process, median and p95 of 200 requests) with 1 company and with all of them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
DATABASE = "tf_bench_companies"


def _fresh_database() -> None:
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        db.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + DATABASE))


def _quantiles(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _latency(client, ticket_definition: int) -> dict[str, str]:
    lists, submits = [], []
    for i in range(200):
        started = time.perf_counter()
        assert client.get("/api/v1/tickets/?limit=20").status_code == 200
        lists.append(time.perf_counter() - started)
        body = {"ticket_definition": ticket_definition, "fields": {"amount": i + 1}}
        started = time.perf_counter()
        assert client.post("/api/v1/tickets/", body, format="json").status_code == 201
        submits.append(time.perf_counter() - started)
    return {"GET /tickets/": _quantiles(lists), "POST /tickets/": _quantiles(submits)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    args = parser.parse_args()
    _fresh_database()
    os.environ.setdefault("TICKETFLOWER_DEV", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ticketflower.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context
    from rest_framework.test import APIClient

    from tenants.models import Company
    from ticketflower.accounts.tokens import issue_token
    from ticketflower.companies.provisioning import create_tenant
    from ticketflower.definitions import services

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    print(f"PostgreSQL {connection.pg_version}, {os.cpu_count()} cores", flush=True)

    created: list[float] = []
    for i in range(args.companies):
        started = time.perf_counter()
        create_tenant(f"co{i:05d}", admin_password="x", check_strength=False)
        created.append(time.perf_counter() - started)
        if i == 0:
            with schema_context("co00000"):
                from tests.runs.support import simple_bundle

                workflow = services.do_import_bundle(simple_bundle(), created_by=None)
                services.do_activate_workflow(workflow)
                from django.contrib.auth.models import Group, User

                user = User.objects.create(username="bench")
                user.groups.add(Group.objects.get_or_create(name="staff")[0])
                token = issue_token(user, "bench")[1]
                from ticketflower.definitions.models import TicketDefinition

                definition = TicketDefinition.objects.get(workflow=workflow).pk
            client = APIClient(HTTP_HOST="co00000.localhost")
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            _latency(client, definition)  # warm up
            at_one = _latency(client, definition)
            print(f"API with 1 company: {at_one}", flush=True)
        if (i + 1) % 100 == 0:
            print(f"{i + 1} companies, last 100: {statistics.median(created[-100:]):.3f} s "
                  "median each", flush=True)  # fmt: skip
    first = statistics.median(created[:20])
    last = statistics.median(created[-20:])
    print(f"create a company: first 20 median {first:.3f} s, last 20 median {last:.3f} s")

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"no-op migrate across {args.companies} companies: "
          f"{time.perf_counter() - started:.1f} s (template and public included)")  # fmt: skip

    schemas = list(
        Company.objects.exclude(schema_name="public")
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    sample = schemas[:100]
    started = time.perf_counter()
    for schema in sample:  # what django-tenants' executor does for each schema
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    each = (time.perf_counter() - started) / len(sample)
    print(f"django-tenants' own path (a migration run per schema), no-op: {each:.3f} s per "
          f"schema, i.e. {each * len(schemas):.0f} s for {len(schemas)}")  # fmt: skip

    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                ["accounts", "0002_keys_of_drf_tokens"],
            )
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"a data migration run in all {len(schemas)} schemas: "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    at_all = _latency(client, definition)
    print(f"API with {args.companies} companies: {at_all}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
