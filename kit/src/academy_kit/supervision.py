"""Long-running tasks that cannot vanish: a task that dies is logged, counted and restarted.

An outbox relay, a mail dispatcher or a scheduler that ends with an exception (the store restarted
under it, a bug on one item) would otherwise be gone for the life of the process while the
service keeps answering 201 and readiness 200. :func:`supervise` runs the task again after a
bounded exponential backoff, logs each death with its traceback, counts it in
``academy_task_restarts_total``, and reports the task stuck to readiness
(:mod:`academy_kit.health`) once it has died ``stuck_after`` times without running
``healthy_seconds`` in between; the report is taken back once a run lasts that long.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import Counter

from academy_kit import health

log = logging.getLogger(__name__)

task_restarts_total = Counter(
    "academy_task_restarts_total",
    "Background tasks that died or ended and were started again",
    ["service", "task"],
)

Work = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Backoff:
    """Delays between restarts: ``first`` seconds, doubling up to ``longest``."""

    first: float = 1.0
    longest: float = 60.0
    healthy_seconds: float = 60.0
    """A run this long resets the delay and clears a stuck report."""
    stuck_after: int = 3
    """Deaths in a row (no healthy run between) after which readiness reports the task."""

    def delay(self, deaths: int) -> float:
        return min(self.longest, self.first * 2.0 ** (deaths - 1))


async def supervise(name: str, work: Work, backoff: Backoff | None = None) -> None:
    """Run ``work()`` until cancelled, starting it again whenever it raises or returns."""
    backoff = backoff or Backoff()
    status = health.current()
    loop = asyncio.get_running_loop()
    deaths = 0
    while True:
        started = loop.time()
        # A run that lasts ``healthy_seconds`` takes back a stuck report while it still runs.
        healthy = loop.call_later(backoff.healthy_seconds, status.clear, name)
        try:
            await work()
        except Exception as exc:
            log.exception("background task %s died", name)
            reason = f"{type(exc).__name__}: {exc}"
        else:
            log.error("background task %s ended although it should run until stopped", name)
            reason = "ended"
        finally:
            healthy.cancel()
        task_restarts_total.labels(status.service, name).inc()
        if loop.time() - started >= backoff.healthy_seconds:
            deaths = 0
        deaths += 1
        if deaths >= backoff.stuck_after:
            status.report_stuck(name, f"died {deaths} times in a row, last: {reason}"[:500])
        delay = backoff.delay(deaths)
        log.warning("restarting background task %s in %.1f s", name, delay)
        await asyncio.sleep(delay)
