"""The floor of each part of the hot path: what the cheapest thing doing each part's job costs
on this machine, in CPU ms per operation, to set against bench/e2e.py's CPU per workflow.

Run against the machine's servers (create the database and migrate first):

    psql -h 127.0.0.1 -U postgres -c 'create database tf_bench_floors'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/tf_bench_floors
    export REDIS_URL=redis://127.0.0.1:6379/9
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/floors.py                 # every part, 5 s each: a Markdown table
    .venv/bin/python bench/floors.py --json          # the same, machine-readable
    .venv/bin/python bench/floors.py --only pg,http-client --seconds 2

The script starts what each part needs on 127.0.0.1 (ports `--port` .. `--port`+2), one
part at a time, and stops it after (Ctrl-C included). The parts (`--only` names):

- `http`: gunicorn (2 sync workers, bench/e2e.py's flags) serving a bare WSGI app
  (bench/floor_wsgi.py: reads the body, answers 201 with a small JSON body), under e2e's
  load: 32 asyncio clients POSTing e2e's submission bytes (e2e's `Client`, reconnecting as
  gunicorn's sync workers close every connection);
- `django`: the same gunicorn serving `ticketflower.wsgi:application`, with the company's
  Host header: GET /healthz (answered by the outermost middleware), GET /api/v1/me/
  anonymous (every middleware, the company lookup, DRF's 401) and with `Authorization:
  Token` (the same plus the token's one query);
- `submit`: POST /api/v1/tickets/ as e2e does, for a workflow whose only task is a FORM
  (nothing for a worker to do);
- `dramatiq`: Dramatiq workers as `ticketflower worker` runs them (2 processes × 4 threads,
  poll ceiling 100 ms, the project's broker and middleware) running a no-op actor
  (bench/floor_actors.py), fed continuously from this process (at most ~1,000 waiting);
- `http-client`: one shared httpx.Client, 4 threads, POSTing a 60-byte JSON body to e2e's
  stand-in (an asyncio server answering 200 {"total": 1}, kept alive);
- `pg`: from Django's connection (`connection.cursor()`), one thread: an autocommit
  `SELECT 1`, and `BEGIN; SELECT … FOR UPDATE; UPDATE; COMMIT` on one row of a logged table
  (in a schema of its own, dropped at the end), so every COMMIT waits for its WAL fsync.

Each part is measured in a steady state: the load starts, runs until it has answered and
then `--warmup` seconds more, and the figures are the difference between two snapshots
`--seconds` apart taken while it still runs (so that neither the start nor the end of the
load, nor a gunicorn or worker booting, counts). Per part: operations
per second, CPU ms per operation of each process tree (psutil, e2e's `Meter`: gunicorn,
workers, stand-in, PostgreSQL — the postmaster, its background processes and this
database's backends —, redis-server — found by its listening port —, this bench process,
which is the load generator or the client being measured), PostgreSQL commits per
operation (pg_stat_database of this database, counted over the whole load: PostgreSQL 15
holds the counts of a backend running only read-only transactions until it has been idle
10 s, so the Django parts wait 11 s after each load) and Redis commands per operation
(INFO, server-wide). For `pg` also the CPU of the loop's own backend (`pg_backend_pid()`).

The machine is shared: PostgreSQL's background processes, redis-server and the cores are
everyone's, so run it alone before comparing figures (`everything_else_cores` in --json
says how busy the rest of the machine was).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
os.environ.setdefault("TICKETFLOWER_DEV", "1")

from bench import bench_company  # noqa: E402
from bench.e2e import Client, Meter, Stack, wait_port  # noqa: E402

SLUG = "benchfloors"
PARTS = ("http", "django", "submit", "dramatiq", "http-client", "pg")
CONCURRENCY = 32  # e2e's closed-loop clients
PG_SCHEMA = "bench_floors"
# PostgreSQL 15 publishes an idle backend's held statistics after 10 s (PGSTAT_IDLE_INTERVAL).
PG_IDLE_FLUSH = 11.0
# bench/floor_actors.py's queue; Dramatiq keeps a message's body here until it is acked.
QUEUE_MESSAGES = "dramatiq:floors.msgs"
BUNDLE = {
    "format": "ticketflower.bundle/v1",
    "workflow": {
        "title": "Floors: one form",
        "fields_schema": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "amount": {"type": "number"},
                "approved": {"type": "boolean"},
            },
        },
    },
    "tasks": [
        {
            "title": "Review",
            "task_type": "FORM",
            "input_fields": ["amount"],
            "output_fields": ["approved"],
        }
    ],
    "completions": [{"title": "Decided", "completion_status": "COMPLETED", "fields": ["approved"]}],
    "tickets": [
        {"title": "Floors form", "fields": ["title", "amount"], "company_role_access": ["staff"]}
    ],
}


# ---------------------------------------------------------------- set-up


def set_up() -> tuple[str, str, int]:
    """The bench company, its ACTIVE one-FORM workflow and a `staff` user with a token
    (as bench/e2e.py's set_up): (host, token, ticket definition id)."""
    host, token, definitions = bench_company.ready(SLUG, {"form": BUNDLE}, {"form": "Floors form"})
    return host, token, definitions["form"]


# ---------------------------------------------------------------- load and measurement


class Load:
    """A load running in background threads until stop(): operations finished so far (one
    counter per thread or coroutine, so none is shared), errors, and PostgreSQL backend
    pids whose CPU the snapshots read too."""

    def __init__(self, slots: int):
        self.counts = [0] * slots
        self.errors: list[str] = []
        self.error_count = 0
        self.backend_pids: list[int] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def ops(self) -> int:
        return sum(self.counts)

    @property
    def running(self) -> bool:
        return not self._stop.is_set()

    def start(self, targets: list[Callable[[], None]]) -> Load:
        for target in targets:
            thread = threading.Thread(target=target, name="load", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def failed(self, exc: BaseException) -> None:
        self.error_count += 1
        if len(self.errors) < 3:
            self.errors.append(f"{type(exc).__name__}: {exc}"[:300])

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(40)  # an HTTP client's own timeout is 30 s


class Fetch(Client):
    """bench/e2e.py's Client for any request prepared once (its connection handling and its
    answer parsing); submit() answers the status, which must be `expect`."""

    def __init__(self, port: int, request: bytes, expect: int):
        self.port = port
        self.request = request
        self.expect = expect
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def submit(self) -> int:
        status, raw = await self.exchange(self.request)
        if status != self.expect:
            raise RuntimeError(f"answered {status}, not {self.expect}: {raw[:200]!r}")
        return status


def http_load(make: Callable[[], Client], concurrency: int = CONCURRENCY) -> Load:
    """`concurrency` closed-loop client coroutines on one asyncio loop in its own thread, as
    e2e's load generator runs them."""
    load = Load(concurrency)

    async def client_loop(i: int) -> None:
        client = make()
        try:
            while load.running:
                try:
                    await client.submit()
                except Exception as exc:  # noqa: BLE001  (counted and reported)
                    load.failed(exc)
                    client.close()
                    await asyncio.sleep(0.05)
                    continue
                load.counts[i] += 1
        finally:
            client.close()

    async def main() -> None:
        await asyncio.gather(*(client_loop(i) for i in range(concurrency)))

    return load.start([lambda: asyncio.run(main())])


def snapshot(meter: Meter, load: Load) -> dict:
    """Time, operations, CPU of each process tree, the counters, the load's backends' CPU."""
    import psutil

    backends = {}
    for pid in load.backend_pids:
        t = psutil.Process(pid).cpu_times()
        backends[pid] = t.user + t.system
    return {
        "t": time.perf_counter(),
        "ops": load.ops,
        "cpu": meter.cpu(),
        "counters": meter.counters(),
        "backends": backends,
    }


def measure(
    start: Callable[[], Load], meter: Meter, seconds: float, warmup: float, settle: float
) -> dict:
    """Start the load; wait until it has answered and `warmup` more seconds, then take two
    snapshots `seconds` apart while it runs; stop it; the figures per operation.

    PostgreSQL's commits are counted apart, over the whole load (from before it starts to
    `settle` seconds after it stops, over all its operations): a backend publishes its
    counts at most once a second, and PostgreSQL 15 holds those of a backend running only
    read-only transactions until it has been idle for 10 s (or exits), so a window taken
    under load misses them.
    """
    pg_before = meter.counters()["pg_commits"]
    load = start()
    deadline = time.time() + 120  # a gunicorn or a worker booting, Django's first requests
    while load.ops < 20:
        if time.time() > deadline:
            load.stop()
            raise SystemExit(f"the load did not get going: {load.errors}")
        time.sleep(0.1)
    time.sleep(warmup)
    first = snapshot(meter, load)
    errors_before = load.error_count
    time.sleep(seconds)
    last = snapshot(meter, load)
    errors = load.error_count - errors_before
    load.stop()
    time.sleep(settle)
    found = figures(first, last, errors, load.errors)
    found["pg_commits_per_op"] = round(
        (meter.counters()["pg_commits"] - pg_before) / max(1, load.ops), 2
    )
    return found


def figures(first: dict, last: dict, errors: int, messages: list[str]) -> dict:
    """Operations per second, CPU ms per operation per process tree (and cores busy), PG
    commits and Redis commands per operation, between two snapshots."""
    elapsed = last["t"] - first["t"]
    n = max(1, last["ops"] - first["ops"])
    cpu: dict[str, float] = {}
    (parts1, machine1), (parts0, machine0) = last["cpu"], first["cpu"]
    for name, value in parts1.items():
        before = parts0.get(name, 0.0)
        if isinstance(value, dict):  # per process (PostgreSQL): a new one counts from zero
            before = before if isinstance(before, dict) else {}
            cpu[name] = sum(t - before.get(pid, 0.0) for pid, t in value.items())
        else:
            cpu[name] = value - before
    cpu["bench process"] = cpu.pop("load generator")
    if last["backends"]:
        cpu["postgresql backend"] = sum(
            t - first["backends"].get(pid, 0.0) for pid, t in last["backends"].items()
        )
    machine = machine1 - machine0
    counters = {k: last["counters"][k] - first["counters"][k] for k in last["counters"]}
    ours = sum(v for k, v in cpu.items() if k != "postgresql backend")
    return {
        "ops": n,
        "seconds": round(elapsed, 2),
        "ops_per_s": round(n / elapsed, 1),
        "cpu_ms_per_op": {k: round(v / n * 1000, 3) for k, v in cpu.items()},
        "cores_busy": {k: round(v / elapsed, 2) for k, v in cpu.items()},
        "machine_cores_busy": round(machine / elapsed, 2),
        "everything_else_cores": round((machine - ours) / elapsed, 2),
        "pg_rows_written_per_op": round(
            (counters["pg_rows_inserted"] + counters["pg_rows_updated"]) / n, 2
        ),
        "redis_commands_per_op": round(counters["redis_commands"] / n, 2),
        "errors": errors,
        "error_samples": messages,
    }


# ---------------------------------------------------------------- the parts


class Bench:
    """What every part needs: the settings, the company, and the stacks started so far
    (each part's processes in a Stack of their own, so that its Meter sees only them)."""

    def __init__(self, args: argparse.Namespace, host: str, token: str, definition: int):
        self.args = args
        self.host = host
        self.token = token
        self.definition = definition
        self.dsn = os.environ["DATABASE_URL"]
        self.redis_url = os.environ["REDIS_URL"]
        self.stacks: list[Stack] = []
        self.python = sys.executable

    def stack(self) -> Stack:
        stack = Stack()
        self.stacks.append(stack)
        return stack

    def meter(self, stack: Stack) -> Meter:
        # e2e's Meter subtracts its poller's queries from the commits; there is none here.
        return Meter(stack, self.dsn, self.redis_url, types.SimpleNamespace(polls=0))

    def gunicorn(self, app: str, port: int) -> Stack:
        """gunicorn with bench/e2e.py's flags (2 sync workers), serving `app` on `port`."""
        stack = self.stack()
        argv = [
            str(Path(self.python).with_name("gunicorn")),
            "--workers", "2",
            "--bind", f"127.0.0.1:{port}",
            "--chdir", str(ROOT / "platform"),
            "--pythonpath", str(ROOT),  # bench.floor_wsgi; platform/ comes with --chdir
            "--log-level", "warning",
            "--keep-alive", "30",
        ]  # fmt: skip
        stack.start("gunicorn", [*argv, app], dict(os.environ, DEBUG="0", LOG_LEVEL="WARNING"))
        wait_port(port, "gunicorn")
        return stack

    def submission(self, port: int) -> Client:
        """e2e's submission client: the same headers and body, byte for byte."""
        return Client(port, self.host, self.token, self.definition)

    def get(self, port: int, path: str, expect: int, token: bool) -> Fetch:
        auth = f"Authorization: Token {self.token}\r\n" if token else ""
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{auth}Accept: application/json\r\n\r\n"
        ).encode()
        return Fetch(port, request, expect)

    def run(self, label: str, start: Callable[[], Load], meter: Meter, settle: float = 0.5) -> dict:
        """Measure the load `start` starts (bench/floors.py's measure())."""
        log(f"{label}: measuring")
        return measure(start, meter, self.args.seconds, self.args.warmup, settle)

    # Each part: a list of rows (part, what, figures).

    def part_http(self) -> list[dict]:
        port = self.args.port
        stack = self.gunicorn("bench.floor_wsgi:application", port)
        try:
            found = self.run(
                "http", lambda: http_load(lambda: self.submission(port)), self.meter(stack)
            )
        finally:
            stack.stop()
        what = "gunicorn (2 sync), bare WSGI app: POST of e2e's submission bytes → 201"
        return [row("HTTP server", what, found)]

    def part_django(self) -> list[dict]:
        port = self.args.port + 1
        stack = self.gunicorn("ticketflower.wsgi:application", port)
        meter = self.meter(stack)
        rows = []
        gets = (
            ("GET /healthz (the outermost middleware answers)", "/healthz", 200, False),
            ("GET /api/v1/me/ anonymous → 401 (every middleware, company, DRF)",
             "/api/v1/me/", 401, False),
            ("GET /api/v1/me/ with Token (+ the token's query) → 200",
             "/api/v1/me/", 200, True),
        )  # fmt: skip
        try:
            for what, path, expect, token in gets if "django" in self.args.parts else ():

                def start(p: str = path, e: int = expect, t: bool = token) -> Load:
                    return http_load(lambda: self.get(port, p, e, t))

                found = self.run(f"django {what}", start, meter, PG_IDLE_FLUSH)
                rows.append(row("Django", what, found))
            if "submit" in self.args.parts:
                what = "POST /api/v1/tickets/ (e2e's request), a one-FORM workflow → 201"
                found = self.run(
                    "submit", lambda: http_load(lambda: self.submission(port)), meter, PG_IDLE_FLUSH
                )
                rows.append(row("Submission", what, found))
        finally:
            stack.stop()
        return rows

    def part_dramatiq(self) -> list[dict]:
        import bench.floor_actors as floor_actors  # the project's broker, the no-op actor

        broker = floor_actors.broker
        broker.flush(floor_actors.QUEUE)  # what an interrupted run left
        stack = self.stack()
        env = dict(
            os.environ,
            DEBUG="0",
            LOG_LEVEL="WARNING",
            PYTHONPATH=os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
            # `ticketflower worker`'s idle poll ceiling (cli/service.py DEFAULT_POLL_MS).
            dramatiq_worker_timeout="100",
        )
        argv = [self.python, "-m", "dramatiq", "bench.floor_actors"]
        stack.start("workers", [*argv, "--processes", "2", "--threads", "4"], env)
        load = Load(1)
        sent = [0]

        def send() -> None:
            # Batches of 100 while fewer than ~1,000 wait: the workers never run dry, Redis
            # never fills. Consumed = sent - still waiting or in progress (not yet acked).
            while load.running:
                try:
                    if broker.client.hlen(QUEUE_MESSAGES) > 900:
                        time.sleep(0.005)
                    else:
                        for _ in range(100):
                            floor_actors.noop.send(sent[0])
                            sent[0] += 1
                    load.counts[0] = sent[0] - broker.client.hlen(QUEUE_MESSAGES)
                except Exception as exc:  # noqa: BLE001  (counted and reported)
                    load.failed(exc)
                    time.sleep(0.1)

        try:
            found = self.run("dramatiq", lambda: load.start([send]), self.meter(stack))
        finally:
            stack.stop()
            broker.flush(floor_actors.QUEUE)
        what = (
            "no-op actor, 2 processes × 4 threads, project broker + middleware;"
            " sent from the bench process"
        )
        return [row("Dramatiq", what, found)]

    def part_http_client(self) -> list[dict]:
        import httpx

        port = self.args.port + 2
        stack = self.stack()
        stack.start("stand-in", [self.python, str(ROOT / "bench" / "e2e.py"), "--stand-in",
                                 str(port)])  # fmt: skip
        wait_port(port, "the stand-in")
        # As plugins/http_action/calls.py's shared client: one per process, kept alive.
        client = httpx.Client(
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        url = f"http://127.0.0.1:{port}/price"
        body = b'{"amount":42,"currency":"EUR","ticket":123456,"title":"floor"}'
        headers = {"Content-Type": "application/json"}
        threads = 4
        load = Load(threads)

        def loop(i: int) -> None:
            while load.running:
                try:
                    response = client.post(url, content=body, headers=headers, timeout=10)
                    if response.status_code != 200:
                        raise RuntimeError(f"the stand-in answered {response.status_code}")
                except Exception as exc:  # noqa: BLE001  (counted and reported)
                    load.failed(exc)
                    time.sleep(0.05)
                    continue
                load.counts[i] += 1

        try:
            targets = [lambda i=i: loop(i) for i in range(threads)]
            found = self.run("http-client", lambda: load.start(targets), self.meter(stack))
        finally:
            client.close()
            time.sleep(0.2)  # the stand-in sees the connections close before its SIGTERM
            stack.stop()
        what = f"httpx.Client shared, {threads} threads, POST {len(body)}-byte JSON → stand-in"
        return [row("HTTP client", what, found)]

    def part_pg(self) -> list[dict]:
        from django.db import connection, transaction

        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {PG_SCHEMA}.counter"
                " (id integer PRIMARY KEY, n bigint NOT NULL)"
            )
            cursor.execute(
                f"INSERT INTO {PG_SCHEMA}.counter VALUES (1, 0) ON CONFLICT (id) DO NOTHING"
            )

        def select_one() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()

        def locked_update() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT n FROM {PG_SCHEMA}.counter WHERE id = 1 FOR UPDATE")
                cursor.fetchone()
                cursor.execute(f"UPDATE {PG_SCHEMA}.counter SET n = n + 1 WHERE id = 1")

        rows = []
        stack = self.stack()  # nothing started: PostgreSQL, Redis and this process
        meter = self.meter(stack)
        try:
            for what, operation in (
                ("Django cursor: SELECT 1, autocommit", select_one),
                ("Django: BEGIN; SELECT … FOR UPDATE; UPDATE 1 row; COMMIT (fsync)",
                 locked_update),
            ):  # fmt: skip
                load = Load(1)

                def loop(load: Load = load, operation: Callable[[], None] = operation) -> None:
                    # Its own thread: its own Django connection, whose backend we read.
                    try:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT pg_backend_pid()")
                            load.backend_pids.append(cursor.fetchone()[0])
                        while load.running:
                            operation()
                            load.counts[0] += 1
                    except Exception as exc:  # noqa: BLE001  (reported)
                        load.failed(exc)
                    finally:
                        connection.close()

                # The loop's connection is closed when it stops: its backend exits and
                # publishes its counts at once.
                found = self.run(f"pg {what}", lambda f=loop, lo=load: lo.start([f]), meter)
                rows.append(row("PostgreSQL", what, found))
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        return rows


def row(part: str, what: str, found: dict) -> dict:
    return {"part": part, "what": what, **found}


def log(message: str) -> None:
    print(f"[floors] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- output


SHOWN = ("gunicorn", "workers", "stand-in", "postgresql", "postgresql backend", "redis",
         "bench process")  # fmt: skip


def table(rows: list[dict]) -> str:
    """One Markdown table: part | what | ops/s | CPU ms per op by process | PG/Redis per op."""
    lines = [
        "| part | what | ops/s | CPU ms per op by process | PG commits / Redis cmds per op |",
        "|---|---|---:|---|---:|",
    ]
    for r in rows:
        cpu = r["cpu_ms_per_op"]
        # Only the processes that worked for it (an idle Redis shows 0.000).
        shown = " · ".join(f"{name} {cpu[name]:.3f}" for name in SHOWN if cpu.get(name))
        errors = f" (**{r['errors']} errors**)" if r["errors"] else ""
        lines.append(
            f"| {r['part']} | {r['what']}{errors} | {r['ops_per_s']:,.0f} | {shown} |"
            f" {r['pg_commits_per_op']:g} / {r['redis_commands_per_op']:g} |"
        )
    busy = [r["everything_else_cores"] for r in rows]
    if busy:  # other sessions' work shares the cores, Redis and PostgreSQL's background
        lines.append("")
        lines.append(
            f"The rest of the machine was busy {max(0.0, min(busy)):.2f}–{max(busy):.2f} cores"
            " during the windows (2 cores; --json has it per row)."
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def setup_facts() -> dict:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as db:
        pg = {
            name: db.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method")
        }
    return {
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "postgresql": pg,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="per measurement")
    parser.add_argument("--warmup", type=float, default=1, help="seconds before each one")
    parser.add_argument("--only", default=",".join(PARTS), help=f"some of {','.join(PARTS)}")
    parser.add_argument("--port", type=int, default=8870, help="first of three ports")
    parser.add_argument("--json", action="store_true", help="JSON instead of the table")
    args = parser.parse_args()
    args.parts = [p for p in args.only.split(",") if p]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("DATABASE_URL and REDIS_URL must be set (see the docstring)")

    def interrupted(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    facts = setup_facts()
    host, token, definition = set_up()
    from django.db import connections

    connections.close_all()
    bench = Bench(args, host, token, definition)
    rows: list[dict] = []
    try:
        for part in args.parts:
            if part == "submit" and "django" in args.parts:
                continue  # measured on the django part's gunicorn
            method = "part_django" if part == "submit" else f"part_{part.replace('-', '_')}"
            rows += getattr(bench, method)()
    except KeyboardInterrupt:
        raise SystemExit("interrupted: every process this run started was stopped") from None
    finally:
        for stack in bench.stacks:
            stack.stop()
    facts["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    log(f"setup: {json.dumps(facts)}")
    if args.json:
        print(json.dumps({"setup": facts, "rows": rows}, indent=2))
    else:
        print(table(rows))


if __name__ == "__main__":
    main()
