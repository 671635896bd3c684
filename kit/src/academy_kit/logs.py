"""JSON logs that carry the current event id and correlation id, and never a secret.

Both ids live in context variables set by the HTTP middleware and the consumer wrapper, so any
log line written while handling a request or an event names them without passing them around.

Applicants open their pages with a link token in the query string (``?token=…``) or in the
``X-Application-Token`` header; uvicorn's access log writes every URL with its query, and
httpx logs the URLs it calls. Whoever reads the logs could open every application, so every
line is redacted before it is written: the value of any query parameter whose name ends in
``token``, the ``X-Application-Token`` header and bearer credentials become ``[redacted]``.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
event_id: ContextVar[str | None] = ContextVar("event_id", default=None)


REDACTED = "[redacted]"
_SECRETS = re.compile(
    r"(?P<query>[?&][\w.-]*token=)[^&#\s\"']+"
    r"|(?P<header>x-application-token[\"']?\s*[:=,]\s*[\"']?)[^\"'\s,}]+"
    r"|(?P<bearer>bearer\s+)[\w.~+/=-]+",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with link tokens and bearer credentials replaced by ``[redacted]``."""
    return _SECRETS.sub(lambda m: (m["query"] or m["header"] or m["bearer"]) + REDACTED, text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = correlation_id.get()
        record.event_id = event_id.get()
        return True


def configure(service: str, level: str = "INFO") -> None:
    """Send every log record to stderr as one JSON object per line."""
    handler = logging.StreamHandler()
    handler.addFilter(_ContextFilter(service))
    handler.addFilter(_RedactingFilter())
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{service}{correlation_id}{event_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
