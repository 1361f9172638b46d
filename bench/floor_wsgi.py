"""The HTTP server's floor for bench/floors.py: a bare WSGI app, no framework.

It reads the request body (as Django does) and answers every request `201` with a small
JSON body shaped like a ticket submission's answer, so that bench/e2e.py's `Client` can
drive it unchanged. Served by gunicorn: `gunicorn bench.floor_wsgi:application`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

BODY = b'{"workflow_instance": {"id": 1}}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Read the body, answer 201 with BODY."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("201 Created", HEADERS)
    return [BODY]
