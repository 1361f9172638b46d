"""Schema fuzzing of the running service with schemathesis, every check.

Starts the service (gunicorn, production settings but for TICKETFLOWER_DEV's secret) on
127.0.0.1, a company `fuzz` whose user holds every role with a workflow active, then
runs `schemathesis run` against the company's OpenAPI schema with that user's token and
prints its summary. Run with a migrated database:

    .venv/bin/ticketflower exec -- .venv/bin/python bench/fuzz_api.py            # embedded
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/fuzz_api.py -n 20

The result of the last run is in docs/limits.md ("Schema fuzzing"). Exits with
schemathesis's code (0: no failure).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketflower.settings")
os.environ.setdefault("TICKETFLOWER_DEV", "1")
SLUG = "fuzz"


def set_up() -> str:
    """The company, its all-roles user and an active workflow; returns a token."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django_tenants.utils import schema_context

    from tenants.models import Company
    from ticketflower.accounts.roles import BUILTIN_ROLES
    from ticketflower.accounts.services import do_update_user
    from ticketflower.accounts.tokens import issue_token
    from ticketflower.companies import provisioning
    from ticketflower.definitions import services

    if not Company.objects.filter(schema_name=SLUG).exists():
        provisioning.create_tenant(SLUG, admin_password="Fuzzing-Pass-2041")
        with schema_context(SLUG):
            example = json.loads((ROOT / "examples/refund_approval/bundle.json").read_text())
            workflow = services.do_import_bundle(example, created_by=None)
            services.do_activate_workflow(workflow)
    with schema_context(SLUG):
        admin = User.objects.get(username="admin")
        do_update_user(admin, roles=list(BUILTIN_ROLES))
        return issue_token(admin, "schemathesis")[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--max-examples", type=int, default=30)
    parser.add_argument("--workers", default="2")
    parser.add_argument("extra", nargs="*", help="more schemathesis options")
    args = parser.parse_args()
    token = set_up()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'platform'}{os.pathsep}{ROOT}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "ticketflower.wsgi:application",
         "--config", "python:ticketflower.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
         "--workers", "2"],
        env=env, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    host = f"{SLUG}.localhost:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        schema = httpx.get(f"http://127.0.0.1:{port}/api/schema/?format=json",
                           headers={"Host": host}).json()  # fmt: skip
        schema_file = ROOT / ".data" / "fuzz-schema.json"
        schema_file.parent.mkdir(exist_ok=True)
        schema_file.write_text(json.dumps(schema))
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "run", str(schema_file),
            "--url", f"http://127.0.0.1:{port}", "--checks", "all",
            "-H", f"Authorization: Token {token}", "-H", f"Host: {host}",
            "--max-examples", str(args.max_examples), "--workers", args.workers,
            # Deleting the company's users and roles would end the run early: the fuzzer
            # may change them, not delete the one it acts as.
            "--exclude-path-regex", "/api/v1/(users|platform)/.*",
            "--exclude-method", "DELETE", "--exclude-path", "/api/v1/auth/token/",
            *args.extra,
        ]  # fmt: skip
        return subprocess.call(command, cwd=ROOT)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


if __name__ == "__main__":
    sys.exit(main())
