"""Delivering recorded items (emails, webhook calls) with retries and exponential backoff.

Items are documents recorded before any attempt (status ``pending``, ``attempts``,
``next_attempt_at``); the dispatcher sends those that are due, one at a time, and records each
attempt's outcome: delivered, retried later, or failed for good after the last attempt or at a
permanent error. Everything it needs survives a restart in the documents themselves, so a
service killed mid-batch resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from prometheus_client import Counter
from pymongo.errors import PyMongoError

from academy_kit.mongo import Document, now

log = logging.getLogger(__name__)

attempts_total = Counter(
    "academy_notification_attempts_total", "Delivery attempts", ["channel", "outcome"]
)


class TransientFailure(Exception):
    """The attempt failed for a reason that may pass (server down, timeout, 4xx)."""


class PermanentFailure(Exception):
    """The attempt failed for a reason that will not pass (recipient refused, 5xx, 410)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts: ``base``, doubling up to ``max``."""
        seconds = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds)


class Deliveries(Protocol):
    """The store side of a channel: what is due, and how each outcome is recorded."""

    async def due(self, at: datetime, limit: int) -> list[Document]: ...

    async def delivered(self, doc: Document, attempts: int, at: datetime) -> None: ...

    async def retry(
        self, doc: Document, attempts: int, at: datetime, next_at: datetime, error: str
    ) -> None: ...

    async def failed(self, doc: Document, attempts: int, at: datetime, error: str) -> None: ...


class Dispatcher:
    def __init__(
        self,
        channel: str,
        deliveries: Deliveries,
        send: Callable[[Document], Awaitable[None]],
        policy: RetryPolicy,
        *,
        poll_seconds: float,
        batch: int,
    ) -> None:
        self._channel = channel
        self._deliveries = deliveries
        self._send = send
        self._policy = policy
        self._poll = poll_seconds
        self._batch = batch
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """Look for due items now: called after recording new ones."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled; a database outage only delays delivery."""
        while True:
            try:
                while await self.drain() == self._batch:
                    pass
            except PyMongoError as exc:
                log.warning("%s dispatcher cannot read its store yet: %r", self._channel, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            self._wake.clear()

    async def drain(self) -> int:
        """Attempt every item due now, once; how many were attempted."""
        due = await self._deliveries.due(now(), self._batch)
        for doc in due:
            await self._attempt(doc)
        return len(due)

    async def _attempt(self, doc: Document) -> None:
        attempts = int(doc.get("attempts", 0)) + 1
        try:
            await self._send(doc)
        except TransientFailure as exc:
            at = now()
            if attempts >= self._policy.max_attempts:
                await self._deliveries.failed(doc, attempts, at, f"{exc} (after {attempts})")
                self._count("failed")
            else:
                next_at = at + self._policy.delay(attempts)
                await self._deliveries.retry(doc, attempts, at, next_at, str(exc))
                self._count("retried")
            log.warning("%s %s attempt %d failed: %s", self._channel, doc["_id"], attempts, exc)
        except PermanentFailure as exc:
            await self._deliveries.failed(doc, attempts, now(), str(exc))
            self._count("failed")
            log.error("%s %s failed for good: %s", self._channel, doc["_id"], exc)
        else:
            await self._deliveries.delivered(doc, attempts, now())
            self._count("delivered")

    def _count(self, outcome: str) -> None:
        attempts_total.labels(self._channel, outcome).inc()
