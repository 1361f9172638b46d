"""Real HTTP servers on loopback for action tests: scripted answers, recorded requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A behaviour gets (request number starting at 1, path, parsed JSON body, headers) and
# returns (status, JSON-able body) — or sleeps first to play a slow server.
Behaviour = Callable[[int, str, Any, dict[str, str]], tuple[int, Any]]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 answering POSTs with a behaviour."""

    def __init__(self, behaviour: Behaviour):
        self.behaviour = behaviour
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                with server._lock:
                    server.requests.append(
                        {"path": self.path, "body": body, "raw": raw, "headers": dict(self.headers)}
                    )
                    number = len(server.requests)
                status, answer = server.behaviour(number, self.path, body, dict(self.headers))
                payload = (
                    answer
                    if isinstance(answer, bytes)
                    else json.dumps(answer).encode()
                    if answer is not None
                    else b""
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answer(status: int, body: Any) -> Behaviour:
    return lambda n, path, req, headers: (status, body)


def slow(seconds: float, status: int = 200, body: Any = None) -> Behaviour:
    def behaviour(n, path, req, headers):
        time.sleep(seconds)
        return status, body

    return behaviour


def fail_then(failures: int, status: int, body: Any) -> Behaviour:
    return lambda n, path, req, headers: (
        (503, {"error": "busy"}) if n <= failures else (status, body)
    )
