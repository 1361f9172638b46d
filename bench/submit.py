"""Ticket submissions per second and p50/p99 latency against a running service (docs/benchmarks.md).

Targets on the 2-core machine: >= 200 submissions/s sustained, p99 < 50 ms at 100/s.

Run (starts PostgreSQL/Redis when DATABASE_URL/REDIS_URL are not set, migrates, then
starts gunicorn with 3 sync workers on port 8765 and measures):

    .venv/bin/ticketflower exec -- .venv/bin/python bench/submit.py --serve 3

Against a service already running (same DATABASE_URL, so the set-up can write the
company, workflow and user the requests use):

    .venv/bin/python bench/submit.py --url http://127.0.0.1:8000

Two measurements, each after a warm-up:
- saturation: `--concurrency` closed-loop clients for `--seconds`: submissions/s, p50/p99;
- fixed rate: `--rate` submissions/s, open loop for `--seconds`; latency counts from the
  scheduled send time, so a server falling behind shows (no coordinated omission).
Each submission is a whole ticket: workflow instance, iteration 0, a FORM task started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
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

SLUG = "benchsubmit"
BUNDLE = {
    "format": "ticketflower.bundle/v1",
    "workflow": {
        "title": "Bench expense",
        "fields_schema": {
            "type": "object",
            "properties": {
                "title": {"type": "string", "maxLength": 200},
                "amount": {"type": "number", "minimum": 0},
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
            "condition": {">": [{"var": "amount"}, 0]},
        }
    ],
    "completions": [
        {
            "title": "Decided",
            "completion_status": "COMPLETED",
            "fields": ["approved"],
        }
    ],
    "tickets": [
        {"title": "Expense", "fields": ["title", "amount"], "company_role_access": ["staff"]}
    ],
}


def set_up() -> tuple[str, str, int]:
    """The bench company, its ACTIVE workflow and a `staff` user: (host, token, ticket def)."""
    host, token, definitions = bench_company.ready(
        SLUG, {"expense": BUNDLE}, {"expense": "Expense"}
    )
    return host, token, definitions["expense"]


class Client:
    """One keep-alive HTTP connection posting tickets."""

    def __init__(self, url: str, host: str, token: str, definition: int, baseline: bool = False):
        self.baseline = baseline
        parsed = urlparse(url)
        self.address = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.headers = {
            "Host": host,
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.definition = definition
        self.conn: http.client.HTTPConnection | None = None
        self.count = 0

    def submit(self) -> int:
        """POST one ticket (or, with `baseline`, GET /api/v1/me/: one SELECT after auth)."""
        self.count += 1
        if self.baseline:
            method, path, body = "GET", "/api/v1/me/", None
        else:
            method, path = "POST", "/api/v1/tickets/"
            body = json.dumps(
                {
                    "ticket_definition": self.definition,
                    "fields": {"title": f"Taxi {self.count}", "amount": 12.5 + self.count % 100},
                }
            )
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.address, timeout=30)
            try:
                self.conn.request(method, path, body, self.headers)
                answer = self.conn.getresponse()
                answer.read()
                if answer.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return answer.status
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def saturate(make: callable, concurrency: int, seconds: float) -> dict:
    """Closed loop: each client submits again as soon as it has its answer."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def loop() -> None:
        client = make()
        mine, bad = [], []
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            code = client.submit()
            mine.append(time.perf_counter() - t0)
            if code not in (200, 201):
                bad.append(code)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": len(errors),
    }


def fixed_rate(make: callable, rate: float, seconds: float, senders: int = 16) -> dict:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    next_index = [0]
    start = time.perf_counter() + 0.2

    def loop() -> None:
        client = make()
        mine, bad = [], []
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total:
                break
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            code = client.submit()
            mine.append(time.perf_counter() - due)
            if code != 201:
                bad.append(code)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=loop) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000,
        "errors": len(errors),
    }


def serve(workers: int, port: int, settings: str | None = None) -> subprocess.Popen:
    """gunicorn with `workers` sync workers (pip install gunicorn; not a project dependency)."""
    env = dict(os.environ, DEBUG="0", LOG_LEVEL="WARNING")
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
        # Last on the path: bench/tenants.py must not shadow the `tenants` app.
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [env.get("PYTHONPATH"), str(ROOT / "bench")])
        )
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT / "platform"),
            "--log-level",
            "warning",
            "ticketflower.wsgi:application",
        ],
        env=env,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=None, help="a running service (default: --serve)")
    parser.add_argument("--serve", type=int, default=0, help="start gunicorn with N workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure GET /api/v1/me/ at saturation (auth + one SELECT), for scale",
    )
    parser.add_argument(
        "--settings",
        default=None,
        help="settings module for the server, e.g. settings_limit_set_calls (in bench/)",
    )
    args = parser.parse_args()

    host, token, definition = set_up()
    process = serve(args.serve, args.port, args.settings) if args.serve else None
    url = args.url or f"http://127.0.0.1:{args.port}"
    try:

        def make() -> Client:
            return Client(url, host, token, definition)

        saturate(make, args.concurrency, 2)  # warm-up: connections, caches, JIT of nothing
        results = {
            "saturation": saturate(make, args.concurrency, args.seconds),
            "fixed_rate": fixed_rate(make, args.rate, args.seconds),
        }
        if args.baseline:
            results["baseline_me_saturation"] = saturate(
                lambda: Client(url, host, token, definition, baseline=True),
                args.concurrency,
                args.seconds,
            )
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)
    setup = {
        "server": f"gunicorn, {args.serve} sync workers" if args.serve else url,
        "settings": args.settings or "ticketflower.settings",
        "concurrency": args.concurrency,
        "rate": args.rate,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
    }
    print(json.dumps({"setup": setup, **results}, indent=2))


if __name__ == "__main__":
    main()
