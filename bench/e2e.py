"""Whole workflows per second through the real stack, and submission → COMPLETED latency.

Targets on the 2-core machine: >= 220 workflows/s with one SYNC_ACTION, >= 100 workflows/s
with three SYNC_ACTIONs in a chain, p99 < 250 ms at half that load, worker RSS <= 150 MB.

Run against the machine's servers (create the database and migrate first):

    psql -h 127.0.0.1 -U postgres -c 'create database tf_bench_e2e'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_bench_e2e
    export REDIS_URL=redis://127.0.0.1:6379/7
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/e2e.py            # or --quick for a smoke run (< 60 s)

or with the embedded servers: `.venv/bin/ticketflower exec -- .venv/bin/python bench/e2e.py`.

The script starts everything else itself, on 127.0.0.1 only, and stops it on exit
(Ctrl-C included): an asyncio HTTP stand-in answering every action `200 {"total": 1}`
(in its own process), gunicorn (`--api-workers`, `--api-threads`) and `ticketflower worker`
(`--processes`, `--threads`) with loopback allowed for actions.

For each workflow ((1) one SYNC_ACTION, (2) three SYNC_ACTIONs in a chain), after a
warm-up:
- saturation: `--concurrency` closed-loop clients, each submitting a ticket and waiting
  until its workflow is COMPLETED before the next one, for `--seconds`: workflows/s and
  action tasks/s (completions inside the window), p50/p99;
- fixed rate: open loop at `--rate1` / `--rate2` workflows/s for `--seconds`; latency
  counts from the scheduled send time (no coordinated omission).
The load generator is one asyncio event loop in its own thread (no thread per client):
each submission is a raw HTTP/1.1 POST over an asyncio stream (kept alive when the API allows
it; gunicorn's sync workers close it), the closed-loop clients and the open-loop senders
(at most `--senders` submissions in flight) are coroutines. Completion is read from
PostgreSQL, not the API: a task on the same loop runs one SELECT of the in-flight instances
every `--poll-ms` (psycopg's async connection); a workflow's latency is its instance row's
`updated_at` (written by the step that completed it) minus its submission's scheduled (open
loop) or actual (closed loop) send time — same host clock, so the poll interval does
not add to it. Also printed per phase: the CPU seconds per second of each part (gunicorn,
workers, PostgreSQL — the bench database's backends and the server's background processes
only —, Redis, stand-in, this load generator, everything else on the machine),
PostgreSQL transactions per workflow (pg_stat_database of the bench database, minus the
poller's own) and Redis commands per workflow (INFO, server-wide), and the workers' RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
os.environ.setdefault("TICKETFLOWER_DEV", "1")

from bench import bench_company  # noqa: E402

SLUG = "benche2e"
ANSWER = b'{"total": 1}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(ANSWER)).encode()
    + b"\r\n\r\n"
    + ANSWER
)


# ---------------------------------------------------------------- the action stand-in


def stand_in(port: int) -> None:
    """An asyncio HTTP/1.1 server (keep-alive) answering any request 200 {"total": 1};
    GET /count answers how many requests it served."""
    served = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                if head.startswith(b"GET /count"):
                    body = str(served[0]).encode()
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                    )
                else:
                    served[0] += 1
                    writer.write(RESPONSE)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


def stand_in_alone(port: int, seconds: float = 1.0, threads: int = 4) -> dict:
    """The stand-in's own capacity, from this process: a new connection per request (as the
    worker does) and keep-alive."""

    def measure(keep_alive: bool) -> int:
        count = [0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def loop() -> None:
            conn, mine = None, 0
            while time.perf_counter() < stop:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("POST", "/x", b"{}", {"Content-Type": "application/json"})
                conn.getresponse().read()
                mine += 1
                if not keep_alive:
                    conn.close()
                    conn = None
            with lock:
                count[0] += mine

        workers = [threading.Thread(target=loop) for _ in range(threads)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return round(count[0] / (time.perf_counter() - started))

    return {"new_connection_per_s": measure(False), "keep_alive_per_s": measure(True)}


# ---------------------------------------------------------------- definitions and set-up


def bundle(kind: str, url: str) -> dict:
    """(1) `one`: ticket → Price → Done; (2) `three`: ticket → A → B → C → Done."""
    chain = [("Price", "amount", "total")] if kind == "one" else [
        ("A", "amount", "a"), ("B", "a", "b"), ("C", "b", "c")
    ]  # fmt: skip
    props = {"title": {"type": "string"}, "amount": {"type": "number"}}
    props.update({out: {"type": "number"} for _, _, out in chain})
    return {
        "format": "ticketflower.bundle/v1",
        "workflow": {
            "title": f"E2E {kind} @{url}",
            "fields_schema": {"type": "object", "properties": props},
        },
        "tasks": [
            {
                "title": title,
                "task_type": "SYNC_ACTION",
                "input_fields": [source],
                "output_fields": [out],
                "action_url": f"{url}/{title.lower()}",
                "timeout_seconds": 10,
                "input_transform": {source: {"var": source}},
                "output_transform": {out: {"var": "body.total"}},
            }
            for title, source, out in chain
        ],
        "completions": [
            {"title": "Done", "completion_status": "COMPLETED", "fields": [chain[-1][2]]}
        ],
        "tickets": [
            {
                "title": f"E2E {kind}",
                "fields": ["title", "amount"],
                "company_role_access": ["staff"],
            }
        ],
    }


def set_up(url: str) -> tuple[str, str, dict[str, int]]:
    """The bench company, one ACTIVE workflow per kind calling `url`, a `staff` user:
    (host, token, {kind: ticket definition id})."""
    kinds = ("one", "three")
    return bench_company.ready(
        SLUG, {kind: bundle(kind, url) for kind in kinds}, {kind: f"E2E {kind}" for kind in kinds}
    )


# ---------------------------------------------------------------- processes


class Stack:
    """The processes this run starts; each in its own session, all stopped by stop()."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.procs[name] = subprocess.Popen(
            argv, env=env or dict(os.environ), cwd=ROOT, start_new_session=True
        )

    def stop(self) -> None:
        # Workers first (they call the stand-in), then the API, then the stand-in.
        for proc in reversed(self.procs.values()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 15
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        self.procs.clear()

    def check(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}")


def wait_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


def start_stack(stack: Stack, args: argparse.Namespace) -> None:
    python = sys.executable
    stack.start("stand-in", [python, __file__, "--stand-in", str(args.stand_in_port)])
    api_env = dict(os.environ, DEBUG="0", LOG_LEVEL="WARNING")
    if args.settings:
        # A settings variant from bench/ (e.g. settings_limit_set_calls) for the API and the
        # workers; bench/ last on the path (bench/tenants.py must not shadow `tenants`).
        api_env["DJANGO_SETTINGS_MODULE"] = args.settings
        api_env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "platform"), str(ROOT), str(ROOT / "bench")]
        )
    for i in range(args.web_instances):  # several: as web hosts would be
        gunicorn = [
            str(Path(python).with_name("gunicorn")),
            "--workers", str(args.api_workers),
            "--bind", f"127.0.0.1:{args.port + i}",
            "--chdir", str(ROOT / "platform"),
            "--log-level", "warning",
            "--keep-alive", "30",
        ]  # fmt: skip
        if args.api_threads > 1:
            gunicorn += ["--threads", str(args.api_threads)]
        name = "gunicorn" if i == 0 else f"gunicorn {i + 1}"
        stack.start(name, [*gunicorn, "ticketflower.wsgi:application"], api_env)
    worker_env = dict(
        api_env,
        TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS="127.0.0.0/8",
    )
    if args.worker_timeout_ms:
        # Dramatiq's Redis consumer polls (no blocking pop): when a queue is empty it
        # sleeps with exponential backoff up to this (Dramatiq's default: 1,000 ms).
        worker_env["dramatiq_worker_timeout"] = str(args.worker_timeout_ms)
    groups = [tuple(map(int, g.split("x"))) for g in args.worker_groups.split(",") if g] or [
        (args.processes, args.threads)
    ]
    for i, (processes, threads) in enumerate(groups):  # several: as worker hosts would be
        argv = [str(Path(python).with_name("ticketflower")), "worker"]
        argv += ["--processes", str(processes), "--threads", str(threads)]
        stack.start("workers" if i == 0 else f"workers {i + 1}", argv, worker_env)
    wait_port(args.stand_in_port, "the stand-in")
    for i in range(args.web_instances):
        wait_port(args.port + i, "gunicorn")


# ---------------------------------------------------------------- load generator


class Client:
    """One HTTP/1.1 connection (an asyncio stream) submitting tickets; returns the workflow
    instance id. The request is built from bytes prepared once; the connection is kept alive
    unless the server closes it (gunicorn's sync workers answer `Connection: close`)."""

    def __init__(self, port: int, host: str, token: str, definition: int):
        self.port = port
        self.head = (
            "POST /api/v1/tickets/ HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            f"Authorization: Token {token}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json\r\n"
            "Content-Length: "
        ).encode()
        self.body = b'{"ticket_definition": %d, "fields": {"title": "E2E %%d", "amount": %%d}}' % (
            definition
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.count = 0

    async def submit(self) -> int:
        self.count += 1
        body = self.body % (self.count, 1 + self.count % 100)
        request = b"%s%d\r\n\r\n%s" % (self.head, len(body), body)
        status, raw = await self.exchange(request)
        if status != 201:
            raise RuntimeError(f"submission answered {status}: {raw[:300]!r}")
        return json.loads(raw)["workflow_instance"]["id"]

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send `request` and read the answer: its status and body. A kept-alive
        connection the server had closed is opened afresh once; no answer within 30 s is
        a TimeoutError; the connection is closed when the server closes it."""
        try:
            async with asyncio.timeout(30):
                for attempt in range(2):
                    try:
                        if self.writer is None:
                            self.reader, self.writer = await asyncio.open_connection(
                                "127.0.0.1", self.port
                            )
                        self.writer.write(request)
                        status, close, raw = await self._answer()
                        break
                    except (ConnectionError, asyncio.IncompleteReadError):
                        self.close()
                        if attempt:
                            raise
        except TimeoutError:
            self.close()
            raise TimeoutError("a request had no answer within 30 s") from None
        if close:
            self.close()
        return status, raw

    async def _answer(self) -> tuple[int, bool, bytes]:
        """The status, whether the server closes the connection, and the body."""
        reader = self.reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        close = lines[0].startswith(b"HTTP/1.0")
        length, chunked = -1, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if chunked:
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
                parts.append((await reader.readexactly(size + 2))[:-2])
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return status, close, b"".join(parts)
        if length < 0:  # the body ends with the connection
            return status, True, await reader.read()
        return status, close, await reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tracker:
    """Which workflow instances are in flight, and when each completed (from PostgreSQL).

    It owns the load generator's event loop, in its own thread (the main thread stays free
    for the Meter): run() runs a phase on it and waits. The poller is a task on the same loop;
    add(), pending(), forget() and take() are called on it.

    The queries go through the libpq level of psycopg's async connection (a prepared
    statement, one round trip): its cursors cost this VM about 0.3 ms more CPU per query,
    and the poller runs up to 1000 / `--poll-ms` of them a second.
    """

    POLL = (
        f'SELECT id, status, extract(epoch FROM updated_at) FROM "{SLUG}".runs_workflowinstance'
        " WHERE id = ANY($1) AND status NOT IN ('IN_PROGRESS', 'NOT_STARTED')"
    )
    SETTLE = (
        f'SELECT count(*) FROM "{SLUG}".runs_workflowinstance'
        " WHERE status = 'IN_PROGRESS' AND created_at >= to_timestamp($1)"
    )

    def __init__(self, dsn: str, poll: float):
        self.poll = poll
        self.inflight: dict[int, tuple[float, asyncio.Future | None]] = {}
        self.done: list[tuple[int, float, float, str]] = []  # id, sent, finished, status
        self.polls = 0  # read by the Meter (the poller's own commits), from the main thread
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="load generator", daemon=True
        )
        self.thread.start()
        self.run(self._start(dsn))

    def run(self, coroutine):
        """Run a coroutine on the load generator's loop; its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def _start(self, dsn: str) -> None:
        import psycopg

        self.db = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
        self.lock = asyncio.Lock()  # one query at a time on the connection
        pg = self.db.pgconn
        for name, sql, types in ((b"poll", self.POLL, [1016]), (b"settle", self.SETTLE, [701])):
            prepared = pg.prepare(name, sql.encode(), types)  # int8[], float8
            if prepared.status != psycopg.pq.ExecStatus.COMMAND_OK:
                raise psycopg.DatabaseError(prepared.get_error_message())
        self.wake = asyncio.Event()
        self.poller = asyncio.create_task(self._poll())

    async def _query(self, name: bytes, param: bytes) -> list[list[bytes]]:
        """The rows (text) of a statement prepared by _start, run with one parameter."""
        from psycopg import DatabaseError, pq

        async with self.lock:
            pg = self.db.pgconn
            pg.send_query_prepared(name, [param])
            while pg.flush():  # the output buffer was full (not for a query this small)
                await self._ready(pg.socket, self.loop.add_writer, self.loop.remove_writer)
            while True:
                await self._ready(pg.socket, self.loop.add_reader, self.loop.remove_reader)
                pg.consume_input()
                if not pg.is_busy():
                    break
            rows, failed = [], None
            while (result := pg.get_result()) is not None:
                if result.status != pq.ExecStatus.TUPLES_OK:
                    failed = result.get_error_message()
                    continue
                columns = range(result.nfields)
                rows += [[result.get_value(r, c) for c in columns] for r in range(result.ntuples)]
        if failed is not None:
            raise DatabaseError(failed)
        return rows

    async def _ready(self, fd: int, add, remove) -> None:
        """Until `fd` is readable (add_reader) or writable (add_writer)."""
        ready = self.loop.create_future()
        add(fd, _resolve, ready)
        try:
            await ready
        finally:
            remove(fd)

    def add(self, instance: int, sent: float, completed: asyncio.Future | None = None) -> None:
        """Track an instance (on the loop); `completed` is resolved when it finishes."""
        self.inflight[instance] = (sent, completed)
        self.wake.set()

    def pending(self) -> int:
        return len(self.inflight)

    def forget(self) -> int:
        """Stop tracking what is still in flight (a phase that fell behind); how many."""
        left = len(self.inflight)
        self.inflight.clear()
        return left

    def take(self) -> list[tuple[int, float, float, str]]:
        done, self.done = self.done, []
        return done

    async def _poll(self) -> None:
        while True:
            if not self.inflight:  # idle: no query until something is added
                self.wake.clear()
                await self.wake.wait()
                await asyncio.sleep(self.poll)
                continue
            ids = ("{" + ",".join(map(str, self.inflight)) + "}").encode()
            rows = await self._query(b"poll", ids)
            self.polls += 1
            for instance, status, finished in rows:
                found = self.inflight.pop(int(instance), None)
                if found is None:  # forgotten meanwhile
                    continue
                sent, completed = found
                self.done.append((int(instance), sent, float(finished), status.decode()))
                if completed is not None and not completed.done():
                    completed.set_result(None)
            await asyncio.sleep(self.poll)

    def settle(self, since: float, timeout: float) -> int:
        """Wait until no workflow created since `since` is still running (a phase that fell
        behind leaves work in Redis that would eat into the next one); how many still run."""
        return self.run(self._settle(since, timeout))

    async def _settle(self, since: float, timeout: float) -> int:
        deadline = time.time() + timeout
        running = int((await self._query(b"settle", repr(since).encode()))[0][0])
        while running and time.time() < deadline:
            await asyncio.sleep(0.5)
            running = int((await self._query(b"settle", repr(since).encode()))[0][0])
        return running

    def close(self) -> None:
        """Cancel whatever still runs on the loop (an interrupted phase), close the
        connection, stop the loop."""

        async def shut() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.db.close()

        try:
            asyncio.run_coroutine_threadsafe(shut(), self.loop).result(5)
        except TimeoutError:
            pass
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():  # a level-triggered callback can fire again before it is removed
        future.set_result(None)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency_figures(done: list[tuple[int, float, float, str]]) -> dict:
    latencies = [finished - sent for _, sent, finished, status in done if status == "COMPLETED"]
    return {
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "not_completed": sum(1 for *_, status in done if status != "COMPLETED"),
    }


async def finish(tasks: list[asyncio.Task], timeout: float) -> None:
    """Wait for the tasks up to `timeout`; cancel those still running."""
    if tasks:
        _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)


async def saturate(make, tracker: Tracker, concurrency: int, seconds: float) -> dict:
    """Closed loop over whole workflows: submit, wait for COMPLETED, submit again
    (`concurrency` client coroutines on the tracker's loop)."""
    loop = asyncio.get_running_loop()
    start = time.time()
    stop = start + seconds
    errors: list[str] = []

    async def client_loop() -> None:
        client = make()
        try:
            while time.time() < stop:
                sent = time.time()
                try:
                    instance = await client.submit()
                except Exception as exc:  # noqa: BLE001  (reported, not hidden)
                    errors.append(str(exc))
                    return
                completed = loop.create_future()
                tracker.add(instance, sent, completed)
                try:
                    async with asyncio.timeout(30):
                        await completed
                except TimeoutError:
                    errors.append("a workflow did not complete within 30 s")
                    return
        finally:
            client.close()

    await finish([asyncio.create_task(client_loop()) for _ in range(concurrency)], seconds + 35)
    tracker.forget()
    done = tracker.take()
    inside = [d for d in done if start <= d[2] <= stop and d[3] == "COMPLETED"]
    return {
        "workflows": len(done),
        "workflows_per_s": round(len(inside) / seconds, 1),
        **latency_figures(done),
        "errors": errors[:3],
    }


async def fixed_rate(
    make, tracker: Tracker, rate: float, seconds: float, senders: int, drain: float
) -> dict:
    """Open loop: submission i is due at start + i/rate; latency counts from when it was due.

    `senders` sender coroutines (each one connection) take the next due submission in turn,
    so up to `senders` can be in flight at once and a slow answer does not delay the next.
    Sending stops early when more than `max(50, 3 * rate)` workflows are in flight (the
    stack cannot keep up: the backlog would only grow); the run then says so.
    """
    total = int(rate * seconds)
    backlog = max(50, 3 * rate)
    gave_up = False
    submitted = 0
    next_index = 0
    start = time.time() + 0.2
    errors: list[str] = []
    late = 0.0

    async def sender() -> None:
        nonlocal gave_up, submitted, next_index, late
        client = make()
        try:
            while True:
                i = next_index
                next_index += 1
                if i >= total or gave_up:
                    return
                if tracker.pending() > backlog:
                    gave_up = True
                    return
                due = start + i / rate
                delay = due - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    late = max(late, -delay)
                try:
                    tracker.add(await client.submit(), due)
                except Exception as exc:  # noqa: BLE001
                    errors.append(str(exc))
                    return
                submitted += 1
        finally:
            client.close()

    await finish([asyncio.create_task(sender()) for _ in range(senders)], seconds + 60)
    sent_until = time.time()
    deadline = sent_until + drain
    while tracker.pending() and time.time() < deadline:
        await asyncio.sleep(0.05)
    done = tracker.take()
    finished = max((d[2] for d in done), default=sent_until)
    return {
        "offered_per_s": rate,
        "submitted": submitted,
        "gave_up_backlog_over": backlog if gave_up else None,
        "workflows": len(done),
        "completed_per_s": round(len(done) / max(1e-9, finished - start), 1),
        **latency_figures(done),
        "left_in_flight": tracker.forget(),
        "sender_fell_behind_ms": round(late * 1000, 1),
        "errors": errors[:3],
    }


# ---------------------------------------------------------------- what it cost


class Meter:
    """CPU seconds per part, PostgreSQL transactions, Redis commands, worker RSS."""

    def __init__(self, stack: Stack, dsn: str, redis_url: str, tracker: Tracker):
        import psutil
        import psycopg
        import redis

        self.psutil = psutil
        self.stack = stack
        self.tracker = tracker
        self.db = psycopg.connect(dsn, autocommit=True)
        self.dbname = urlparse(dsn).path.lstrip("/")
        self.redis = redis.Redis.from_url(redis_url)
        self._postmaster_proc: list | None = None
        self.redis_port = urlparse(redis_url).port or 6379
        self.rss_peak: dict[str, float] = {}
        self._sampling = False
        # This process's CPU is the load generator's figure, so the Meter keeps its own work
        # small: the listeners are looked up once (net_connections reads every TCP socket
        # on the machine: tens of ms with the TIME_WAITs of a run), process trees are read
        # from /proc/PID/task/TID/children (not every process's stat, as psutil does).
        self._listeners: dict[int, list] = {}
        self._rss_keys: dict[int, str] = {}
        me = os.getpid()
        self._proc_children = os.path.exists(f"/proc/{me}/task/{me}/children")

    def _listener(self, port: int) -> list:
        found = self._listeners.get(port)
        if not found or not all(proc.is_running() for proc in found):
            found = []
            for conn in self.psutil.net_connections("tcp"):
                if conn.status == "LISTEN" and conn.laddr.port == port and conn.pid:
                    found.append(self.psutil.Process(conn.pid))
            self._listeners[port] = found
        return found

    def _postmaster(self) -> list:
        """The server's postmaster: the parent of this meter's backend (found whether the
        server listens on TCP or, as the embedded one does, on a Unix socket only)."""
        if self._postmaster_proc is None:
            pid = self.db.execute("SELECT pg_backend_pid()").fetchone()[0]
            try:
                self._postmaster_proc = [self.psutil.Process(pid).parent()]
            except self.psutil.NoSuchProcess:  # a server on another host
                self._postmaster_proc = []
        return self._postmaster_proc

    def _children(self, root) -> list:
        """The descendants of a process."""
        if not self._proc_children:
            return root.children(recursive=True)
        found, todo = [], [root.pid]
        while todo:
            pid = todo.pop()
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except FileNotFoundError:  # gone meanwhile
                continue
            for tid in tids:  # each thread's own children
                try:
                    with open(f"/proc/{pid}/task/{tid}/children", "rb") as file:
                        kids = file.read().split()
                except (FileNotFoundError, ProcessLookupError):
                    continue
                for kid in kids:
                    try:
                        found.append(self.psutil.Process(int(kid)))
                    except self.psutil.NoSuchProcess:
                        continue
                    todo.append(int(kid))
        return found

    def _tree(self, roots: list) -> list:
        """The roots and their descendants, each once (a server listening on both 127.0.0.1
        and ::1, as Redis does, is found twice)."""
        procs = {}
        for root in roots:
            try:
                procs.setdefault(root.pid, root)
                for child in self._children(root):
                    procs.setdefault(child.pid, child)
            except self.psutil.NoSuchProcess:
                pass
        return list(procs.values())

    def _ours(self, proc) -> bool:
        """A PostgreSQL process of this bench: the postmaster, its background processes and
        the backends of the bench database — not other sessions' databases on the server."""
        try:
            title = " ".join(proc.cmdline())
        except self.psutil.NoSuchProcess:
            return False
        is_backend = "(" in title or "[local]" in title
        return not is_backend or f" {self.dbname} " in title

    def groups(self) -> dict[str, list]:
        ps = self.psutil
        named = {
            name: self._tree([ps.Process(p.pid)])
            for name, p in self.stack.procs.items()
            if p.poll() is None
        }
        named["postgresql"] = [proc for proc in self._tree(self._postmaster()) if self._ours(proc)]
        named["redis"] = self._tree(self._listener(self.redis_port))
        named["load generator"] = [ps.Process()]
        return named

    def cpu(self) -> tuple[dict[str, float | dict[int, float]], float]:
        totals: dict[str, float | dict[int, float]] = {}
        for name, procs in self.groups().items():
            total = 0.0
            own: dict[int, float] = {}
            for proc in procs:
                try:
                    t = proc.cpu_times()
                except self.psutil.NoSuchProcess:
                    continue
                # A reaped child's time moves into its parent's children_* fields, so a
                # tree's total stays right when processes come and go. Not for PostgreSQL:
                # the postmaster also reaps other sessions' backends; the bench's own
                # backends live through the run (persistent connections), so per process.
                own[proc.pid] = t.user + t.system
                total += t.user + t.system + t.children_user + t.children_system
            totals[name] = own if name == "postgresql" else total
        machine = self.psutil.cpu_times()
        return totals, machine.user + machine.system + machine.nice + machine.irq + machine.softirq

    def counters(self) -> dict[str, float]:
        row = self.db.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated"
            " FROM pg_stat_database WHERE datname = %s",
            (self.dbname,),
        ).fetchone()
        stats = self.redis.info("stats")
        return {
            "pg_commits": row[0],
            "pg_rollbacks": row[1],
            "pg_rows_inserted": row[2],
            "pg_rows_updated": row[3],
            "redis_commands": stats["total_commands_processed"],
            "poller_queries": self.tracker.polls,
        }

    def rss(self) -> dict[str, float]:
        """RSS in MB of each worker process (the `ticketflower worker` tree)."""
        workers = self.stack.procs.get("workers")
        if workers is None or workers.poll() is not None:
            return {}
        try:
            procs = self._tree([self.psutil.Process(workers.pid)])
        except self.psutil.NoSuchProcess:
            return {}
        found = {}
        for proc in procs:
            try:
                key = self._rss_keys.get(proc.pid)
                if key is None:
                    key = self._rss_keys[proc.pid] = f"{proc.pid} {' '.join(proc.cmdline()[1:4])}"
                found[key] = proc.memory_info().rss / 2**20
            except self.psutil.NoSuchProcess:
                pass
        return found

    def sample_rss(self) -> None:
        self._sampling = True

        def loop() -> None:
            while self._sampling:
                for key, value in self.rss().items():
                    self.rss_peak[key] = max(self.rss_peak.get(key, 0), value)
                time.sleep(0.5)

        threading.Thread(target=loop, daemon=True).start()

    def begin(self) -> None:
        time.sleep(1.1)  # PostgreSQL flushes its statistics at most once a second
        self._t0 = time.time()
        self._cpu0 = self.cpu()
        self._c0 = self.counters()

    def end(self, workflows: int, actions_per_workflow: int) -> dict:
        elapsed = time.time() - self._t0
        cpu1 = self.cpu()
        time.sleep(1.1)
        c1 = self.counters()
        parts = {}
        for k, v in cpu1[0].items():
            before = self._cpu0[0].get(k, 0.0)
            if isinstance(v, dict):  # per process: a new one counts from zero
                before = before if isinstance(before, dict) else {}
                parts[k] = sum(t - before.get(pid, 0.0) for pid, t in v.items()) / elapsed
            else:
                parts[k] = (v - before) / elapsed
        machine = (cpu1[1] - self._cpu0[1]) / elapsed
        parts["everything else"] = machine - sum(parts.values())
        n = max(1, workflows)
        delta = {k: c1[k] - self._c0[k] for k in c1}
        return {
            "cpu_cores_busy": {k: round(v, 2) for k, v in parts.items()},
            "cpu_machine_busy": round(machine, 2),
            "cpu_ms_per_workflow": {
                k: round(v * elapsed / n * 1000, 1)
                for k, v in parts.items()
                if k != "everything else"
            },
            "pg_commits_per_workflow": round(
                (delta["pg_commits"] - delta["poller_queries"]) / n, 1
            ),
            "pg_rows_written_per_workflow": round(
                (delta["pg_rows_inserted"] + delta["pg_rows_updated"]) / n, 1
            ),
            "redis_commands_per_workflow": round(delta["redis_commands"] / n, 1),
            "redis_commands_per_action": round(
                delta["redis_commands"] / n / actions_per_workflow, 1
            ),
        }


# ---------------------------------------------------------------- SQL of one workflow


def trace_sql(args: argparse.Namespace) -> dict:
    """In this process, without Redis or workers: one workflow of each kind through the API
    (Django's test client) and the action actor (run as a worker thread runs it, tenant
    middleware included, on an in-memory broker), counting SQL statements per part (Django's
    log of the connection) and transactions (an autocommit statement is one)."""
    stack = Stack()
    stack.start("stand-in", [sys.executable, __file__, "--stand-in", str(args.stand_in_port)])
    try:
        wait_port(args.stand_in_port, "the stand-in")
        os.environ["TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS"] = "127.0.0.0/8"
        host, token, definitions = set_up(f"http://127.0.0.1:{args.stand_in_port}")
        from django.db import connection
        from django.test import Client as TestClient
        from django.test.utils import CaptureQueriesContext
        from dramatiq import Message
        from dramatiq.brokers.stub import StubBroker

        from ticketflower.workers.broker import configure_broker
        from ticketflower.workers.tenancy import TenantMiddleware

        broker = configure_broker(StubBroker())
        import plugins.http_action.actors as actors  # declared on the in-memory broker

        def transactions(statements: list[str]) -> dict:
            """Autocommit statements are a transaction each; BEGIN .. COMMIT is one."""
            inside, autocommit, blocks = False, 0, 0
            for sql in statements:
                if sql == "BEGIN":
                    inside, blocks = True, blocks + 1
                elif sql in ("COMMIT", "ROLLBACK"):
                    inside = False
                elif not inside:
                    autocommit += 1
            return {"autocommit_statements": autocommit, "transaction_blocks": blocks}

        def short(sql: str) -> str:
            words = sql.split()
            if words[0] in ("SELECT", "WITH"):
                table = next((w for w in words if w.startswith('"') and "_" in w), "")
                return f"{words[0]} ... {table.strip(chr(34))}"
            return " ".join(words[:3])

        client = TestClient(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {token}")
        middleware = TenantMiddleware()
        result = {}
        for kind, definition in definitions.items():
            client.post(  # warm: compiled definition, signing secret
                "/api/v1/tickets/",
                {"ticket_definition": definition, "fields": {"title": "w", "amount": 1}},
                content_type="application/json",
            )
            broker.flush_all()
            with CaptureQueriesContext(connection) as api:
                answer = client.post(
                    "/api/v1/tickets/",
                    {"ticket_definition": definition, "fields": {"title": "t", "amount": 2}},
                    content_type="application/json",
                )
            assert answer.status_code == 201, answer.content
            steps = []
            while broker.queues["actions"].qsize():
                message = Message.decode(broker.queues["actions"].get())
                with CaptureQueriesContext(connection) as step:
                    middleware.before_process_message(broker, message)
                    outcome = actors.run(actors._event(message.args[0]), 0)
                    middleware.after_process_message(broker, message)
                steps.append({"outcome": outcome, "statements": [short(q["sql"]) for q in step]})
            result[kind] = {
                "api_statements": len(api),
                "api_sql": [short(q["sql"]) for q in api],
                "action_statements": [len(s["statements"]) for s in steps],
                "action_sql": steps[0]["statements"] if steps else [],
                "outcomes": [s["outcome"] for s in steps],
                "api_transactions": transactions([short(q["sql"]) for q in api]),
                "action_transactions": [transactions(s["statements"]) for s in steps],
            }
        if args.profile:
            result["profile"] = profile_actions(
                args.profile, client, definitions["one"], broker, middleware, actors
            )
        return result
    finally:
        stack.stop()


def profile_actions(count: int, client, definition: int, broker, middleware, actors) -> dict:
    """CPU of `count` actions as a worker thread runs them (one-action workflows; the
    submissions are not measured): half without a profiler (the true CPU ms per action),
    half under cProfile (inflated by its overhead: read the parts as proportions)."""
    import cProfile
    import pstats

    from dramatiq import Message

    from plugins.http_action import calls

    messages = []
    for i in range(count):
        client.post(
            "/api/v1/tickets/",
            {"ticket_definition": definition, "fields": {"title": "p", "amount": i}},
            content_type="application/json",
        )
        messages.append(Message.decode(broker.queues["actions"].get()))

    def work(batch: list) -> float:
        started = time.process_time()
        for message in batch:
            middleware.before_process_message(broker, message)
            actors.run(actors._event(message.args[0]), 0)
            middleware.after_process_message(broker, message)
        return time.process_time() - started

    half = count // 2
    plain = work(messages[:half]) / half  # without the profiler's overhead
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    total = work(messages[half:])
    profiler.disable()
    count -= half
    stats = pstats.Stats(profiler).stats
    wanted = {
        "httpx.Client() (SSL context: CA bundle)": ("_client.py", "__init__", "Client"),
        "ssl.create_default_context": ("ssl.py", "create_default_context", None),
        "the HTTP call (calls.call)": (calls.__file__, "call", None),
        "tenant middleware (before)": ("tenancy.py", "before_process_message", None),
        "host.task_context (one SELECT)": ("runs/host.py", "task_context", None),
        "host.signing_secret": ("host.py", "signing_secret", None),
        "host.complete_task (the step)": ("host.py", "complete_task", None),
        "engine.run_for_task (lock, step, writes)": ("engine.py", "run_for_task", None),
        "kernel step": ("step.py", "step", None),
        "SQL execute (Django cursor)": ("utils.py", "_execute", None),
    }
    found = {}
    for label, (file, name, _cls) in wanted.items():
        cumulative = sum(
            v[3] for (f, _line, fn), v in stats.items() if f.endswith(file) and fn == name
        )
        found[label] = round(cumulative / count * 1000, 2)
    return {
        "cpu_ms_per_action_unprofiled": round(plain * 1000, 2),
        "profiled_actions": count,
        "profiled_cpu_ms_per_action": round(total / count * 1000, 2),
        **found,
    }


# ---------------------------------------------------------------- main


def run(args: argparse.Namespace) -> dict:
    dsn = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not dsn or not redis_url:
        raise SystemExit(
            "DATABASE_URL and REDIS_URL must be set (or run under `ticketflower exec --`)"
        )
    url = f"http://127.0.0.1:{args.stand_in_port}"
    host, token, definitions = set_up(url)
    from django.db import connections

    connections.close_all()
    run_start = time.time()
    stack = Stack()
    tracker = Tracker(dsn, args.poll_ms / 1000)
    results: dict = {}

    def interrupted(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        start_stack(stack, args)
        results["stand_in_alone"] = stand_in_alone(args.stand_in_port)
        meter = Meter(stack, dsn, redis_url, tracker)
        kinds = [k for k in ("one", "three") if k in args.workflows.split(",")]
        # Clients spread over the web instances, as a load balancer would.
        ports = itertools.cycle(range(args.port, args.port + args.web_instances))
        # Warm-up: the workers may still be starting; every part compiles and connects.
        for kind in kinds:

            def make(kind: str = kind) -> Client:
                return Client(next(ports), host, token, definitions[kind])

            deadline = time.time() + 60
            while True:
                stack.check()
                warm = tracker.run(saturate(make, tracker, args.concurrency, args.warmup))
                if warm["workflows"] and not warm["errors"]:
                    break
                if time.time() > deadline:
                    raise SystemExit(f"warm-up failed: {warm}")
        meter.sample_rss()
        for kind in kinds:
            actions = 1 if kind == "one" else 3
            rate = args.rate1 if kind == "one" else args.rate2

            def make(kind: str = kind) -> Client:
                return Client(next(ports), host, token, definitions[kind])

            tracker.settle(run_start, args.drain)
            meter.begin()
            sat = tracker.run(saturate(make, tracker, args.concurrency, args.seconds))
            sat["action_tasks_per_s"] = round(sat["workflows_per_s"] * actions, 1)
            sat.update(meter.end(sat["workflows"], actions))
            tracker.settle(run_start, args.drain)
            meter.begin()
            fixed = tracker.run(
                fixed_rate(make, tracker, rate, args.seconds, args.senders, args.drain)
            )
            fixed["action_tasks_per_s"] = round(fixed["completed_per_s"] * actions, 1)
            fixed.update(meter.end(fixed["workflows"], actions))
            results[kind] = {"saturation": sat, "fixed_rate": fixed}
            stack.check()
        meter._sampling = False
        results["worker_rss_mb_peak"] = {k: round(v, 1) for k, v in meter.rss_peak.items()}
    finally:
        tracker.close()
        stack.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run (< 60 s)")
    parser.add_argument("--seconds", type=float, default=15, help="per measurement")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--workflows", default="one,three", help="which: one, three or both")
    parser.add_argument("--concurrency", type=int, default=32, help="closed-loop clients")
    parser.add_argument("--rate1", type=float, default=110, help="open-loop rate, workflow 1")
    parser.add_argument("--rate2", type=float, default=50, help="open-loop rate, workflow 2")
    parser.add_argument("--senders", type=int, default=16, help="open-loop sender coroutines")
    parser.add_argument("--drain", type=float, default=30, help="seconds to wait after sending")
    parser.add_argument("--poll-ms", type=float, default=10)
    parser.add_argument("--port", type=int, default=8771, help="gunicorn's port")
    parser.add_argument("--stand-in-port", type=int, default=8772)
    parser.add_argument("--api-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--api-threads", type=int, default=1, help="gunicorn --threads")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument(
        "--web-instances",
        type=int,
        default=1,
        help="gunicorn instances (ports --port, --port+1, ...)",
    )
    parser.add_argument(
        "--worker-groups",
        default="",
        help="several `ticketflower worker`, e.g. 1x2,1x4,2x1 (processes x threads)",
    )
    parser.add_argument(
        "--trace-sql",
        action="store_true",
        help="only count the SQL of one workflow of each kind, in process (no workers)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="with --trace-sql: cProfile N actions"
    )
    parser.add_argument(
        "--worker-timeout-ms",
        type=int,
        default=0,
        help="the workers' idle poll ceiling (env dramatiq_worker_timeout; Dramatiq's 1000)",
    )
    parser.add_argument(
        "--settings", default=None, help="settings module from bench/ for API and workers"
    )
    parser.add_argument("--stand-in", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stand_in:
        stand_in(args.stand_in)
        return
    if args.trace_sql:
        print(json.dumps(trace_sql(args), indent=2))
        return
    if args.quick:
        args.seconds, args.warmup, args.drain = 4, 2, 3
        args.concurrency, args.rate1, args.rate2 = 8, 20, 8
    setup = {
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "api": f"gunicorn --workers {args.api_workers}"
        + (f" --threads {args.api_threads}" if args.api_threads > 1 else ""),
        "workers": f"ticketflower worker --processes {args.processes} --threads {args.threads}"
        + (f", dramatiq_worker_timeout={args.worker_timeout_ms}" if args.worker_timeout_ms else ""),
        "settings": args.settings or "ticketflower.settings",
        "concurrency": args.concurrency,
        "rates": [args.rate1, args.rate2],
        "seconds": args.seconds,
        "poll_ms": args.poll_ms,
    }
    try:
        results = run(args)
    except KeyboardInterrupt:
        raise SystemExit("interrupted: every process this run started was stopped") from None
    setup["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({"setup": setup, **results}, indent=2))


if __name__ == "__main__":
    main()
