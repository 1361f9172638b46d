"""Logs: one JSON object per line in production, readable lines in development.

Every record, from our code or a library's stdlib logger, goes through structlog's
ProcessorFormatter, so it carries the context bound for the request or message being
handled (request_id, company, user; message_id, task, instance on workers) without any
call site passing it.
"""

from __future__ import annotations

import os
from typing import Any

import structlog

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def log_format() -> str:
    """ "json" unless TICKETFLOWER_LOG_FORMAT says "console" (the default in development)."""
    default = "console" if os.environ.get("DEBUG") == "1" else "json"
    chosen = os.environ.get("TICKETFLOWER_LOG_FORMAT", default).strip().lower()
    return chosen if chosen in ("json", "console") else "json"


def formatter(kind: str) -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler: JSON lines or a coloured-free console line."""
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if kind == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def logging_config(level: str) -> dict[str, Any]:
    """Django's LOGGING: one console handler with our formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": formatter, "kind": log_format()}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # httpx logs every request at INFO: one line per action on the workers' pipe.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # Our request line replaces Django's (which would log each 4xx a second time).
            "django.request": {"level": "ERROR"},
        },
    }


def configure_structlog() -> None:
    """structlog's own loggers hand their events to the stdlib handlers above."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
