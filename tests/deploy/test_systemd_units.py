"""Each command of the systemd units in deploy/systemd/ runs, in production mode, with the
environment file's variables (pointed at the test database and Redis): the migration
completes, the web server answers its probes and /metrics, the workers and the scheduler
start and stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/ticketflower/.venv/bin/ticketflower"


def _unit(name: str) -> dict[str, list[str]]:
    """A unit's keys (each may repeat) of its [Service] section."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif "=" in line and not line.startswith("#") and section == "[Service]":
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def _argv(command: str) -> list[str]:
    """The unit's command line with the installed path replaced by this checkout's."""
    argv = shlex.split(command)
    assert argv[0] == INSTALLED, argv
    return [str(Path(sys.executable).with_name("ticketflower")), *argv[1:]]


@pytest.fixture
def production_env(django_db_setup, tmp_path):
    """The environment file's variables, pointed at the test servers."""
    example = {}
    for line in (UNITS / "ticketflower.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            example[key] = value
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("TICKETFLOWER")}
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixtures
    env.update(example)
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=os.environ["REDIS_URL"],
        SECRET_KEY="a-test-secret-key-that-is-long-enough-for-django-checks-0123456789",
        TICKETFLOWER_BIND=f"127.0.0.1:{port}",
        TICKETFLOWER_DATA_DIR=str(tmp_path / "data"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        TICKETFLOWER_WEB_WORKERS="2",
    )
    (tmp_path / "metrics").mkdir()
    return env, port


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(60)


def _until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_the_web_units_commands_migrate_then_serve_probes_and_metrics(production_env, tmp_path):
    env, port = production_env
    unit = _unit("ticketflower-web.service")
    for command in unit["ExecStartPre"]:
        done = subprocess.run(_argv(command), env=env, cwd=ROOT, capture_output=True, timeout=600)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    (command,) = unit["ExecStart"]
    server = _start(_argv(command), env, tmp_path / "web.log")
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        _until(up)
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200, ready.text
        unknown = httpx.get(f"{base}/api/v1/", headers={"Host": "nobody.tickets.example.com"})
        assert unknown.json()["request_id"] == unknown.headers["X-Request-ID"]
        token = env["TICKETFLOWER_METRICS_TOKEN"]
        scrape = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scrape.status_code == 200
        # Counted by the gunicorn worker that answered, read by the one scraped.
        assert 'ticketflower_http_requests_total{method="GET",route="unmatched"' in scrape.text
        assert httpx.get(f"{base}/metrics").status_code == 404
    finally:
        assert _stop(server) == 0
    log = (tmp_path / "web.log").read_text()
    # Production logs: the request lines are JSON objects.
    assert f'"request_id": "{unknown.headers["X-Request-ID"]}"' in log


def test_djangos_deployment_checks_pass_with_the_documented_production_settings(
    production_env,
):
    env, _ = production_env
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("name", ["ticketflower-worker.service", "ticketflower-scheduler.service"])
def test_the_worker_and_scheduler_units_commands_start_and_stop_cleanly(
    production_env, tmp_path, name
):
    env, _ = production_env
    (command,) = _unit(name)["ExecStart"]
    process = _start(_argv(command), env, tmp_path / "unit.log")
    try:
        time.sleep(8)
        assert process.poll() is None, (tmp_path / "unit.log").read_text()[-2000:]
    finally:
        code = _stop(process)
    assert code == 0, (tmp_path / "unit.log").read_text()[-2000:]
