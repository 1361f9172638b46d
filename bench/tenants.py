"""Seconds per tenant for creating 20 companies (target: <= 0.2 s; docs/benchmarks.md).

Run: `make bench-tenants` (starts the servers, migrates, then runs this), or with
DATABASE_URL set: `.venv/bin/python bench/tenants.py`.

Reports three figures per company, medians and totals:
- clone: `tf_clone_schema` alone (the schema DDL + template rows, one SQL call);
- provision: the whole `create_tenant` (row, clone, domain, admin user, commit) with a
  fast password hasher, so that the next figure is not counted twice;
- hash: PBKDF2 of the admin password (Django's default, deliberately slow), which a
  real `create_tenant` adds once.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
os.environ.setdefault("TICKETFLOWER_DEV", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from ticketflower.companies import provisioning  # noqa: E402

N = int(os.environ.get("BENCH_TENANTS", 20))


def main() -> None:
    run = uuid.uuid4().hex[:6]
    slugs = [f"bench_{run}_{i}" for i in range(N)]
    hash_times, provision = [], []
    for _ in slugs:
        t0 = time.perf_counter()
        make_password("bench-password")
        hash_times.append(time.perf_counter() - t0)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for slug in slugs:
            t0 = time.perf_counter()
            provisioning.create_tenant(slug, admin_password="bench-password")
            provision.append(time.perf_counter() - t0)
    clone_times = []
    with connection.cursor() as cursor:
        for i in range(N):
            t0 = time.perf_counter()
            cursor.execute(
                "SELECT tf_clone_schema(%s, %s)", ["tenant_template", f"bclone_{run}_{i}"]
            )
            clone_times.append(time.perf_counter() - t0)
        for i in range(N):
            cursor.execute(f'DROP SCHEMA "bclone_{run}_{i}" CASCADE')
    for slug in slugs:
        provisioning.delete_tenant(slug, confirm=slug)

    total_times = [p + h for p, h in zip(provision, hash_times, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'tenant_template'")
        (tables,) = cursor.fetchone()
    print(f"tenants: {N}, tables per schema: {tables}, server: {connection.pg_version}")
    print(f"{'figure':<28}{'median s':>10}{'mean s':>10}{'max s':>10}{'total s':>10}")
    for name, values in (
        ("clone (tf_clone_schema)", clone_times),
        ("provision (create_tenant)", provision),
        ("admin password hash", hash_times),
        ("provision + hash", total_times),
    ):
        print(
            f"{name:<28}{statistics.median(values):>10.3f}{statistics.mean(values):>10.3f}"
            f"{max(values):>10.3f}{sum(values):>10.2f}"
        )


if __name__ == "__main__":
    main()
