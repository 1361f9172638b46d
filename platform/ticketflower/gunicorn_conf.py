"""gunicorn's settings for `ticketflower serve` (production); each one can be overridden
on the command line or by GUNICORN_CMD_ARGS.

Sync workers, two per core plus one (gunicorn's advice for a CPU-bound Django app whose
waits are short database round trips); a request that runs longer than `timeout` is
killed with its worker and answered 502 by the proxy in front.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("TICKETFLOWER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TICKETFLOWER_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("TICKETFLOWER_WEB_TIMEOUT", 30))
graceful_timeout = 20
# Restart a worker now and then, so that a slow leak never grows for ever.
max_requests = 5000
max_requests_jitter = 500
# Our middleware logs each request as one structured line: gunicorn's access log would
# say it twice.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("TICKETFLOWER_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker) -> None:  # noqa: ARG001
    """A worker's metrics files stop counting it alive (prometheus-client multiprocess)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, directory)
