"""`ticketflower run|test|worker|scheduler|migrate|tenant|platform-admin`: the service commands.

`run` and `test` are the README's two commands: they bring up PostgreSQL and Redis
(embedded under .data/ unless DATABASE_URL / REDIS_URL are set) and then the service
or the test suite. The other commands expect that environment to be set already.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
DEMO_SLUG = "demo"


def _django() -> None:
    """Set Django up in this process (commands that touch the database)."""
    for path in (ROOT / "platform", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
    import django

    django.setup()


def _data_dir() -> Path:
    return Path(os.environ.get("TICKETFLOWER_DATA_DIR", ROOT / ".data"))


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def apply_run_defaults(port: int, environ: MutableMapping[str, str]) -> None:
    """What `run` sets in the environment (its children's too) unless it is set already:
    development mode, and callback URLs on the port the server listens on (ASYNC_ACTION
    systems post there; the settings' default assumes 8000)."""
    environ.setdefault("TICKETFLOWER_DEV", "1")
    environ.setdefault("DEBUG", "1")
    environ.setdefault(
        "TICKETFLOWER_CALLBACK_URL_TEMPLATE",
        f"http://{{domain}}:{port}/api/v1/callbacks/{{token}}/",
    )
    # The demo's example actions call stand-ins on loopback (companies/demo_stand_ins.py).
    environ.setdefault("TICKETFLOWER_DEMO_ACTIONS_URL", f"http://127.0.0.1:{port + 1}")
    environ.setdefault("TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS", "127.0.0.1/32")
    # Emails are written under .data/mail/, never sent; their links name this port.
    environ.setdefault("TICKETFLOWER_EMAIL_BACKEND", "file")
    environ.setdefault("TICKETFLOWER_PAGE_URL_TEMPLATE", f"http://{{domain}}:{port}{{path}}")


def metrics_dir(environ: MutableMapping[str, str]) -> str:
    """Where this host's processes write their metrics (prometheus-client's multiprocess
    mode): PROMETHEUS_MULTIPROC_DIR, else `metrics/` of the data directory."""
    directory = environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_data_dir() / "metrics"))
    Path(directory).mkdir(parents=True, exist_ok=True)
    return directory


# No statement of a web request runs longer (a worker's or a migration's may).
WEB_STATEMENT_TIMEOUT_MS = 15_000


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API and the web app with gunicorn (production; ticketflower/gunicorn_conf.py).
    The database must be migrated (`ticketflower migrate`); nothing else is started."""
    metrics_dir(os.environ)
    os.environ.setdefault("TICKETFLOWER_STATEMENT_TIMEOUT_MS", str(WEB_STATEMENT_TIMEOUT_MS))
    env = _worker_env()
    argv = [
        str(Path(sys.executable).with_name("gunicorn")),
        "ticketflower.wsgi:application",
        "--config", "python:ticketflower.gunicorn_conf",
        *(["--bind", args.bind] if args.bind else []),
        *(["--workers", str(args.workers)] if args.workers else []),
    ]  # fmt: skip
    os.execve(argv[0], argv, env)  # gunicorn becomes this process (systemd watches it)
    return 0  # not reached


def cmd_run(args: argparse.Namespace) -> int:
    """Set up and start everything: database, Redis, migrations, demo tenant, worker, server."""
    from ticketflower.devservers import services

    apply_run_defaults(args.port, os.environ)
    # A fresh start: last run's samples (of processes long gone) are not today's.
    shutil.rmtree(metrics_dir(os.environ), ignore_errors=True)
    metrics_dir(os.environ)
    _start_demo_stand_ins(os.environ["TICKETFLOWER_DEMO_ACTIONS_URL"])
    with services(_data_dir()) as env:
        os.environ.update(env)
        _manage("migrate", "--verbosity", "0")
        subprocess.run(
            [sys.executable, "-m", "ticketflower.cli", "tenant", "ensure-demo"],
            check=True,
            cwd=ROOT,
        )
        host = f"{DEMO_SLUG}.{os.environ.get('TICKETFLOWER_BASE_DOMAIN', 'localhost')}"
        print(
            f"[ticketflower] demo company at http://{host}:{args.port}/ "
            "- users staff / staff and admin / admin (development only)",
            flush=True,
        )
        # Other commands (ticketflower mcp, tenant ..., exec) reach the same servers so.
        print(
            f"[ticketflower] DATABASE_URL={env['DATABASE_URL']} REDIS_URL={env['REDIS_URL']}",
            flush=True,
        )
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ticketflower.cli",
                    "worker",
                    "--processes",
                    "1",
                    "--threads",
                    "4",
                ],
                cwd=ROOT,
                env=_worker_env(),
            ),  # fmt: skip
            subprocess.Popen(
                [sys.executable, "-m", "ticketflower.cli", "scheduler"],
                cwd=ROOT,
                env=_worker_env(),
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "runserver",
                    f"127.0.0.1:{args.port}",
                    "--noreload",
                ],
                cwd=ROOT,
                env={
                    "TICKETFLOWER_STATEMENT_TIMEOUT_MS": str(WEB_STATEMENT_TIMEOUT_MS),
                    **os.environ,
                },
            ),
        ]
        return _supervise(children)


def _start_demo_stand_ins(url: str) -> None:
    """Serve the demo's stand-ins for this process's life; a taken port only warns (the
    demo's action tasks then end in ERROR, which the errors page explains)."""
    from urllib.parse import urlsplit

    from ticketflower.companies import demo_stand_ins

    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        return  # stand-ins served elsewhere
    try:
        demo_stand_ins.start(parts.port)
    except OSError as error:
        print(f"[ticketflower] demo stand-ins not started on {url}: {error}", flush=True)


def _supervise(children: list[subprocess.Popen]) -> int:
    """Wait until Ctrl-C, SIGTERM or a child exits; then stop every child."""
    stopping = False

    def stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    code = child.returncode or 0
                    stopping = True
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    print("[ticketflower] stopped", flush=True)
    return code


def cmd_test(args: argparse.Namespace) -> int:
    """Bring up the servers and run the whole test suite against them."""
    from ticketflower.devservers import services

    os.environ.setdefault("TICKETFLOWER_DEV", "1")
    with services(_data_dir()) as env:
        os.environ.update(env)
        return subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=ROOT)


def cmd_exec(args: argparse.Namespace) -> int:
    """Bring up the servers, migrate, and run any command in that environment (benchmarks)."""
    from ticketflower.devservers import services

    os.environ.setdefault("TICKETFLOWER_DEV", "1")
    argv = [a for a in args.argv if a != "--"] if args.argv[:1] == ["--"] else args.argv
    with services(_data_dir()) as env:
        os.environ.update(env)
        _manage("migrate", "--verbosity", "0")
        return subprocess.call(argv, cwd=ROOT)


def _worker_argv(processes: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dramatiq",
        "ticketflower.workers.actors",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]


# Dramatiq's Redis consumer polls an idle queue with a back-off of up to this many ms
# (its default, 1,000, adds up to a second to every step of a quiet workflow).
DEFAULT_POLL_MS = 100


def _worker_env(poll_ms: int = DEFAULT_POLL_MS) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "platform"), str(ROOT), env.get("PYTHONPATH", "")]
    )
    env["dramatiq_worker_timeout"] = str(poll_ms)
    return env


RESTART_DELAY_SECONDS = (1, 2, 5, 10, 30)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run Dramatiq workers on the broker named by REDIS_URL, and keep them running: when
    Dramatiq exits on its own (it does when one of its worker processes dies, kill -9
    included), say so and start it again (docs/decision-nothing-lost.md)."""
    argv = _worker_argv(args.processes, args.threads)
    directory = metrics_dir(os.environ)
    env = _worker_env(args.poll_ms)
    if args.metrics_port:
        _serve_worker_metrics(args.metrics_port, directory)
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restarts = 0
    while True:
        started = time.monotonic()
        child = subprocess.Popen(argv, cwd=ROOT, env=env)
        code = child.wait()
        if stopping:
            return 0
        if time.monotonic() - started > 60:
            restarts = 0  # it ran a while: start again at once
        delay = RESTART_DELAY_SECONDS[min(restarts, len(RESTART_DELAY_SECONDS) - 1)]
        print(
            f"[ticketflower] the workers exited ({code}); starting them again in {delay} s",
            file=sys.stderr,
            flush=True,
        )
        restarts += 1
        deadline = time.monotonic() + delay
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return 0


def _serve_worker_metrics(port: int, directory: str) -> None:
    """The workers' metrics on their own listener (a host without the web processes), for
    the scrapers of the host's network only (TICKETFLOWER_METRICS_ADDRESS, 127.0.0.1)."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    address = os.environ.get("TICKETFLOWER_METRICS_ADDRESS", "127.0.0.1")
    start_http_server(port, addr=address, registry=registry)


def cmd_scheduler(args: argparse.Namespace) -> int:
    """Every few seconds, hand due work to the workers again, expire callbacks that never
    came and announce tasks past their deadline (runs/redelivery.py); until SIGTERM or
    Ctrl-C."""
    _django()
    import logging

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from ticketflower.runs.redelivery import BrokerWatch, sweep_all

    logging.basicConfig(level=logging.INFO, format="[scheduler] %(message)s")
    interval = args.interval or settings.SCHEDULER_INTERVAL_SECONDS
    stopping = False

    def stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    broker = BrokerWatch(settings.REDIS_URL)
    lost_before, lost_until = None, 0.0
    try:
        while not stopping:
            try:
                if broker.restarted():
                    logging.info("the broker restarted: every waiting action is sent again")
                    # Until every company's backlog is handed over (a batch per sweep).
                    lost_before, lost_until = timezone.now(), time.monotonic() + 300
                if time.monotonic() > lost_until:
                    lost_before = None
                totals = sweep_all(lost_before=lost_before)
                if any(totals.values()):
                    logging.info("%s", totals)
            except Exception as exc:  # the database down: try again next time
                logging.warning("sweep failed: %s: %s", type(exc).__name__, exc)
                connection.close()
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:  # noqa: ARG001
    """Migrate the public schema, the tenant template and every company."""
    _manage("migrate")
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    """Create a company with its host and a tenant_admin user."""
    _django()
    from ticketflower.api.errors import ProblemError
    from ticketflower.companies.provisioning import ProvisioningError, create_tenant

    password = args.password or os.environ.get("TICKETFLOWER_ADMIN_PASSWORD")
    generated = False
    if not password:
        if sys.stdin.isatty():
            password = getpass.getpass(f"Password for {args.admin}: ")
        else:
            password, generated = secrets.token_urlsafe(12), True
    try:
        created = create_tenant(
            args.slug,
            name=args.name,
            domain=args.domain,
            admin_username=args.admin,
            admin_password=password,
        )
    except ProvisioningError as exc:
        return _refused(exc)
    except ProblemError as exc:  # the admin's password refused by the validators
        return _refused_problems(exc.problems, "/admin")
    company = created.company.schema_name
    print(f"created company {company} at {created.domain}, admin {created.admin_username}")
    if generated:
        print(f"generated password: {password}")
    return 0


def cmd_tenant_ensure_demo(args: argparse.Namespace) -> int:  # noqa: ARG001
    """Create the demo company with admin/admin unless it exists (development only)."""
    _django()
    from ticketflower.companies.provisioning import ensure_demo_tenant

    ensure_demo_tenant(DEMO_SLUG, password="admin")
    return 0


def cmd_tenant_export(args: argparse.Namespace) -> int:
    """Write one company's definitions, tickets, runs, errors, users and files to a zip."""
    _django()
    from ticketflower.companies.provisioning import ProvisioningError
    from ticketflower.companies.transfer import export_company

    try:
        counts = export_company(args.slug, Path(args.file))
    except ProvisioningError as exc:
        return _refused(exc)
    print(f"exported {args.slug} to {args.file}: {counts['rows']} rows, {counts['files']} files")
    return 0


def cmd_tenant_import(args: argparse.Namespace) -> int:
    """Create a company from an export (its own slug, or --slug)."""
    _django()
    from ticketflower.companies.provisioning import ProvisioningError
    from ticketflower.companies.transfer import import_company

    try:
        done = import_company(Path(args.file), slug=args.slug, domain=args.domain)
    except ProvisioningError as exc:
        return _refused(exc)
    print(
        f"imported {done['slug']} at {done['domain']}: {done['rows']} rows, {done['files']} files"
    )
    return 0


def _refused(exc: Any) -> int:
    for pointer, message in exc.problems:
        print(f"error: {pointer.lstrip('/') or 'request'}: {message}", file=sys.stderr)
    return 1


def _refused_problems(problems: list[dict[str, str]], prefix: str = "") -> int:
    for problem in problems:
        where = (prefix + problem["pointer"]).lstrip("/") or "request"
        print(f"error: {where}: {problem['message']}", file=sys.stderr)
    return 1


def cmd_tenant_delete(args: argparse.Namespace) -> int:
    """Drop a company's schema; needs --confirm SLUG."""
    _django()
    from ticketflower.companies.provisioning import ProvisioningError, delete_tenant

    try:
        delete_tenant(args.slug, confirm=args.confirm or "")
    except ProvisioningError as exc:
        for pointer, message in exc.problems:
            print(f"error: {pointer.lstrip('/') or 'request'}: {message}", file=sys.stderr)
        return 1
    print(f"deleted company {args.slug}")
    return 0


def cmd_tenant_list(args: argparse.Namespace) -> int:  # noqa: ARG001
    """List companies and their hosts."""
    _django()
    from tenants.models import Company

    for company in Company.objects.exclude(schema_name="public").prefetch_related("domains"):
        hosts = ", ".join(d.domain for d in company.domains.all())
        print(f"{company.schema_name}\t{company.name}\t{hosts}")
    return 0


def cmd_platform_admin(args: argparse.Namespace) -> int:
    """Create or update a platform operator (a staff user of the public schema)."""
    _django()
    from django.contrib.auth.models import User

    from ticketflower.accounts.services import check_password
    from ticketflower.api.errors import ProblemError

    password = args.password or getpass.getpass(f"Password for {args.username}: ")
    user, _ = User.objects.get_or_create(username=args.username)
    user.is_staff = True
    try:
        check_password(password, user)
    except ProblemError as exc:
        return _refused_problems(exc.problems)
    user.set_password(password)
    user.save()
    print(f"platform admin {user.username} ready")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:  # noqa: ARG001
    """List the loaded plugins with versions and the hooks they implement (JSON)."""
    import json

    from plugins.manager import loaded_plugins

    print(json.dumps(loaded_plugins(), indent=2))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the service subcommands."""
    p = sub.add_parser("plugins", help="list the loaded plugins (no database)")
    p.set_defaults(handler=cmd_plugins)

    p = sub.add_parser("run", help="set up and start the whole service (development)")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("test", help="set up the servers and run the test suite")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="arguments for pytest")
    p.set_defaults(handler=cmd_test)

    p = sub.add_parser("exec", help="run a command with the servers up and migrated")
    p.add_argument("argv", nargs=argparse.REMAINDER, help="the command")
    p.set_defaults(handler=cmd_exec)

    p = sub.add_parser("scheduler", help="hand due work to the workers again (periodic)")
    p.add_argument("--interval", type=float, default=0, help="seconds between sweeps")
    p.set_defaults(handler=cmd_scheduler)

    p = sub.add_parser("worker", help="run Dramatiq workers")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument(
        "--poll-ms", type=int, default=DEFAULT_POLL_MS,
        help="longest idle poll of a queue, in ms (lower: less latency, more Redis calls)",
    )  # fmt: skip
    p.add_argument(
        "--metrics-port", type=int, default=0,
        help="serve the workers' Prometheus metrics on this port (0: only through /metrics)",
    )  # fmt: skip
    p.set_defaults(handler=cmd_worker)

    p = sub.add_parser("serve", help="serve the API and web app with gunicorn (production)")
    p.add_argument("--bind", help="address:port (default TICKETFLOWER_BIND or 127.0.0.1:8000)")
    p.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2×cores+1)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("migrate", help="migrate every schema and the tenant template")
    p.set_defaults(handler=cmd_migrate)

    tenant = sub.add_parser("tenant", help="manage companies").add_subparsers(
        dest="tenant_command", required=True, metavar="ACTION"
    )
    p = tenant.add_parser("create", help="create a company")
    p.add_argument("slug")
    p.add_argument("--domain", help="host name (default: SLUG.<base domain>)")
    p.add_argument("--name")
    p.add_argument("--admin", default="admin", help="username of its tenant_admin")
    p.add_argument("--password", help="the admin's password (default: prompt or generate)")
    p.set_defaults(handler=cmd_tenant_create)
    p = tenant.add_parser("delete", help="drop a company's schema and data")
    p.add_argument("slug")
    p.add_argument("--confirm", help="repeat the slug to confirm")
    p.set_defaults(handler=cmd_tenant_delete)
    p = tenant.add_parser("export", help="write one company's data to a file (zip)")
    p.add_argument("slug")
    p.add_argument("file")
    p.set_defaults(handler=cmd_tenant_export)
    p = tenant.add_parser("import", help="create a company from an export")
    p.add_argument("file")
    p.add_argument("--slug", help="import under another slug (default: the exported one)")
    p.add_argument("--domain", help="host name (default: SLUG.<base domain>)")
    p.set_defaults(handler=cmd_tenant_import)
    p = tenant.add_parser("list", help="list companies")
    p.set_defaults(handler=cmd_tenant_list)
    p = tenant.add_parser("ensure-demo", help="create the demo company (development)")
    p.set_defaults(handler=cmd_tenant_ensure_demo)

    p = sub.add_parser("platform-admin", help="create a platform operator")
    p.add_argument("username")
    p.add_argument("--password")
    p.set_defaults(handler=cmd_platform_admin)
