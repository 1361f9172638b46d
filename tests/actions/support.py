"""Helpers of the action tests: the worker process, the test database's URL, polling."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import psutil


class Worker:
    """`ticketflower worker` in a process group of its own, killable with -9."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ticketflower.cli", "worker", "--processes", "1",
             "--threads", "2"],
            env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=open(self.env["WORKER_LOG"], "ab"),
        )  # fmt: skip
        return self

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Stop every process of the group and wait until all are gone: a worker left
        behind would consume the next test's messages with this test's settings."""
        if self.proc is None:
            return
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            procs = []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        _, alive = psutil.wait_procs(procs, timeout=20)
        if alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            psutil.wait_procs(alive, timeout=10)
        self.proc.wait(timeout=10)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail with the last one."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s; last value {value!r}")


class ThreadingWSGIServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._handle, args=(request, client_address), daemon=True)
        self.__dict__.setdefault("threads", set()).add(thread)
        thread.start()

    def join_requests(self, timeout: float = 10) -> None:
        """Wait for the requests still being answered (each closes its database
        connection when done: the test database can then be dropped)."""
        for thread in list(self.__dict__.get("threads", ())):
            thread.join(timeout)

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            from django.db import connections

            connections.close_all()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass
