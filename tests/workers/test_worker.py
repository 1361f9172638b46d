"""A real Dramatiq worker process consumes messages from the real Redis broker."""

import os
import subprocess
import sys
import time
import uuid

import psutil
import pytest


@pytest.fixture
def worker_process():
    env = dict(os.environ, TICKETFLOWER_DEV="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ticketflower.cli", "worker", "--processes", "1", "--threads", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc
    for child in psutil.Process(proc.pid).children(recursive=True):
        child.terminate()
    proc.terminate()
    proc.wait(timeout=30)


def test_worker_consumes_a_message_sent_through_redis(worker_process):
    from ticketflower.workers.actors import HEALTHCHECK_PREFIX, broker, healthcheck

    token = uuid.uuid4().hex
    healthcheck.send(token)
    deadline = time.monotonic() + 60
    value = None
    while time.monotonic() < deadline and value is None:
        value = broker.client.get(HEALTHCHECK_PREFIX + token)
        time.sleep(0.1)
    assert value is not None, "no worker consumed the message within 60 s"
    pid = int(value)
    ours = {p.pid for p in psutil.Process(worker_process.pid).children(recursive=True)}
    assert pid in ours, "the message was consumed by a worker this test did not start"
