"""What readiness reports beyond the broker and the database: work of the service that is stuck.

A long-running part of a service (a background task that keeps dying, a consumer waiting for an
unreachable store, a queue whose head does not move) says so with :func:`report_stuck` and takes
it back with :func:`clear`; ``/health/ready`` answers 503 and names each stuck part with its
reason, so an orchestrator or an operator sees it instead of a readiness that stays 200 while
nothing moves.

The reports go to the :class:`Health` of the app whose lifespan is running: :func:`scope` puts it
in a context variable for the lifespan, and every task the lifespan starts (background tasks,
Kafka consumers) inherits it, so components report without being handed the app. Outside any
app (a script, a unit test) reports go to a process-wide default.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from prometheus_client import Gauge

log = logging.getLogger(__name__)

stuck_gauge = Gauge(
    "academy_stuck", "1 while a part of the service reports itself stuck", ["service", "part"]
)


class Health:
    """The stuck parts of one service, by name, with their reasons."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._stuck: dict[str, str] = {}

    def report_stuck(self, part: str, reason: str) -> None:
        if self._stuck.get(part) != reason:
            log.error("%s is stuck: %s", part, reason)
        self._stuck[part] = reason
        stuck_gauge.labels(self.service, part).set(1)

    def clear(self, part: str) -> None:
        if self._stuck.pop(part, None) is not None:
            log.warning("%s is moving again", part)
            stuck_gauge.labels(self.service, part).set(0)

    def stuck(self) -> dict[str, str]:
        return dict(self._stuck)


_current: ContextVar[Health] = ContextVar("academy_health", default=Health("academy"))  # noqa: B039 - one process-wide default is the point


def current() -> Health:
    """The health of the app whose lifespan runs this code (the process default otherwise)."""
    return _current.get()


def report_stuck(part: str, reason: str) -> None:
    current().report_stuck(part, reason)


def clear(part: str) -> None:
    current().clear(part)


@contextlib.contextmanager
def scope(health: Health) -> Iterator[Health]:
    """Make ``health`` the one reported to by this block and the tasks it starts."""
    token = _current.set(health)
    try:
        yield health
    finally:
        _current.reset(token)
