"""Server time of the web app's busiest pages at a real company's size (target:
p95 under 50 ms with 10,000 tickets and 1,000 open tasks).

Run: `.venv/bin/ticketflower exec -- .venv/bin/python bench/web.py` (starts the servers),
or with DATABASE_URL and REDIS_URL set: `.venv/bin/python bench/web.py`.

Builds a company with one workflow: a ticket with amount > 100 starts a FORM task
(1,000 of 10,000 tickets), the others complete at once. Then times, in-process with
Django's test client (server time, no network), the inbox of a ticket admin (who may
claim all 1,000), the tickets list searched by text, and one ticket's page; prints the
median, p95 and queries per page. `BENCH_TICKETS` changes the size.
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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from ticketflower.companies import provisioning  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS", 10_000))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 100))
BUNDLE = {
    "format": "ticketflower.bundle/v1",
    "workflow": {
        "title": "Purchase",
        "fields_schema": {
            "type": "object",
            "properties": {
                "item": {"type": "string"},
                "amount": {"type": "number"},
                "approved": {"type": "boolean"},
            },
        },
    },
    "tasks": [
        {"title": "Approve", "task_type": "FORM", "input_fields": ["amount"],
         "output_fields": ["approved"], "condition": {">": [{"var": "amount"}, 100]}},
    ],
    "completions": [
        {"title": "Small", "completion_status": "COMPLETED", "fields": ["amount"],
         "condition": {"<=": [{"var": "amount"}, 100]}},
        {"title": "Decided", "completion_status": "COMPLETED", "fields": ["approved"]},
    ],
    "tickets": [{"title": "Purchase request", "fields": ["item", "amount"]}],
}  # fmt: skip


def populate(slug: str) -> int:
    from django.contrib.auth.models import User

    from ticketflower.definitions.services import do_activate_workflow, do_import_bundle
    from ticketflower.runs.services import do_submit_ticket

    with schema_context(slug):
        admin = User.objects.get(username="admin")
        workflow = do_activate_workflow(do_import_bundle(BUNDLE, created_by=admin))
        definition = workflow.tickets.get().pk
        t0 = time.perf_counter()
        last = 0
        for i in range(TICKETS):
            amount = 500 if i % 10 == 0 else 20  # one in ten needs an approval
            ticket, _ = do_submit_ticket(
                definition, {"item": f"chair model {i} from Zürich", "amount": amount}, user=admin
            )
            last = ticket.pk
        print(f"{TICKETS} tickets submitted in {time.perf_counter() - t0:.1f} s", flush=True)
        return last


def measure(client: Client, url: str) -> tuple[float, float, int]:
    times = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries)


def main() -> None:
    slug = f"bench_web_{uuid.uuid4().hex[:6]}"
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        provisioning.create_tenant(slug, admin_password="admin")
        with schema_context(slug):
            from django.contrib.auth.models import User

            from ticketflower.accounts.services import do_update_user

            do_update_user(User.objects.get(username="admin"), roles=["ticket_admin"])
        try:
            last = populate(slug)
            host = provisioning.tenant_host(slug)
            client = Client(HTTP_HOST=host)
            client.post("/login/", {"username": "admin", "password": "admin"})
            pages = {
                "inbox (1,000 claimable)": "/inbox/",
                "tickets searched": "/tickets/?q=model%2042",
                "tickets, page 1": "/tickets/",
                "one ticket": f"/tickets/{last}/",
            }
            print(f"{TICKETS} tickets, {REQUESTS} requests per page, DEBUG={settings.DEBUG}")
            print(f"{'page':28} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
            for name, url in pages.items():
                median, p95, queries = measure(client, url)
                print(f"{name:28} {median:10.1f} {p95:8.1f} {queries:8d}", flush=True)
        finally:
            connection.set_schema_to_public()
            provisioning.delete_tenant(slug, confirm=slug)


if __name__ == "__main__":
    main()
