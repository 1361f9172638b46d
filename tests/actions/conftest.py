"""Real parts for action tests: a worker process on the real Redis, the API served over
HTTP on loopback (for callbacks), and loopback HTTP servers standing in for the outside."""

from __future__ import annotations

import os
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from tests.actions.support import Worker, database_url


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        thread.start()

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            from django.db import connections

            connections.close_all()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def api_server(committed_tenant):
    """The Django app over HTTP on 127.0.0.1 (callbacks post to it); yields its port."""
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1",
        0,
        get_wsgi_application(),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker_env(api_server, tmp_path):
    return dict(
        os.environ,
        DATABASE_URL=database_url(),
        TICKETFLOWER_DEV="1",
        TICKETFLOWER_ACTIONS_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
        TICKETFLOWER_ACTION_MAX_RETRIES="2",
        TICKETFLOWER_ACTION_MIN_BACKOFF_MS="100",
        TICKETFLOWER_ACTION_MAX_BACKOFF_MS="300",
        TICKETFLOWER_BROKER_HEARTBEAT_MS="2000",
        TICKETFLOWER_BROKER_MAINTENANCE_CHANCE="1000000",
        TICKETFLOWER_CALLBACK_URL_TEMPLATE=f"http://{{domain}}:{api_server}/api/v1/callbacks/{{token}}/",
        WORKER_LOG=str(tmp_path / "worker.log"),
    )


@pytest.fixture
def worker(worker_env, settings):
    # The test process enqueues with the same backoff settings as the worker uses.
    settings.ACTION_MIN_BACKOFF_MS = 100
    settings.ACTION_MAX_BACKOFF_MS = 300
    w = Worker(worker_env).start()
    yield w
    w.stop()
