"""Stand-ins on loopback for the outside systems the demo company's example actions call
(the pricing service, the warehouse, the risk scorer, payments, paging), so that under
`make run` those tasks complete instead of failing on `*.example.com` (development only;
docs/decision-demo-stand-ins.md).

A stand-in answers at `/<task title>`: SYNC_ACTION calls get their answer at once; an
ASYNC_ACTION call gets 202 and, a moment later, the answer is posted to the callback URL
the request carries, as the real system would.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

log = logging.getLogger(__name__)

CALLBACK_HEADER = "X-TicketFlower-Callback-URL"
CALLBACK_DELAY_SECONDS = 1.0
_numbers = count(101)

# Each answer is built from the request's JSON body, in the shape the example's
# output_transform reads (`body.score`, `body.tracking_number`, ...).
Answer = Callable[[dict[str, Any]], dict[str, Any]]


def _quote(body: dict[str, Any]) -> dict[str, Any]:
    lines = body.get("lines") or []
    return {
        "total": sum(50 * int(line.get("qty") or 0) for line in lines if isinstance(line, dict))
    }


ANSWERS: dict[str, Answer] = {
    "Price order": _quote,
    "Ship order": lambda body: {"tracking_number": f"1ZDEMO{next(_numbers)}", "state": "shipped"},
    "Fraud check": lambda body: {"score": 12},
    "Issue refund": lambda body: {"id": f"re_demo{next(_numbers)}", "status": "succeeded"},
    "Escalate": lambda body: {"tier": body.get("tier"), "page_id": f"PG-{next(_numbers)}"},
}


def rewrite_actions(bundle: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The bundle with every action that has a stand-in calling it at `base_url`."""
    for task in bundle.get("tasks", []):
        if task.get("action_url") and task.get("title") in ANSWERS:
            task["action_url"] = f"{base_url.rstrip('/')}/{quote(task['title'])}"
    return bundle


def _post_callback(url: str, answer: dict[str, Any]) -> None:
    time.sleep(CALLBACK_DELAY_SECONDS)
    # The callback's host names the company (demo.localhost), which the resolver may not
    # know: connect to loopback and name the host in the header instead.
    parts = urlsplit(url)
    target = parts._replace(netloc=f"127.0.0.1:{parts.port or 80}").geturl()
    try:
        httpx.post(target, json=answer, headers={"Host": parts.netloc}, timeout=10)
    except httpx.HTTPError as error:
        log.warning("demo stand-in: callback to %s failed: %s", url, error)


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        title = unquote(urlsplit(self.path).path.lstrip("/"))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        answer = ANSWERS.get(title)
        if answer is None:
            return self._reply(404, {"error": f"no demo stand-in for {title!r}"})
        result = answer(body if isinstance(body, dict) else {})
        callback = self.headers.get(CALLBACK_HEADER)
        if callback:
            threading.Thread(target=_post_callback, args=(callback, result), daemon=True).start()
            return self._reply(202, {"accepted": True})
        return self._reply(200, result)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.info("demo stand-in: " + format, *args)


def start(port: int = 0) -> ThreadingHTTPServer:
    """Serve the stand-ins on 127.0.0.1:`port` in a daemon thread; `port` 0 picks one."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
