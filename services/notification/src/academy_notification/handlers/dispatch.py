"""Delivering recorded items (emails, webhook calls) with retries and exponential backoff.

Items are documents recorded before any attempt (status ``pending``, ``attempts``,
``next_attempt_at``); the dispatcher sends those that are due, one at a time, and records each
attempt's outcome: delivered, retried later, or failed for good after the last attempt or at a
permanent error. Any other error of one item's sending (a bug, a value the sender cannot
write) fails that item for good with its reason, so the items behind it are still sent; only
a store error stops the pass, to be read again later. Everything it needs survives a restart
in the documents themselves, so a service killed mid-batch resumes where it stopped.

The store is read only when something may be due: the dispatcher keeps in memory the earliest
instant an item of its store is due (the first pass after a start reads the store to learn it,
each retry lowers it to its next attempt) and reads again when that instant comes or when
:meth:`Dispatcher.kick` says new items were recorded; otherwise a poll costs a clock read. A
pass reads the pending items earliest first, attempts those due and stops at the first that is
not, whose instant becomes the next due one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from prometheus_client import Counter
from pymongo.errors import PyMongoError

from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.domain.delivery import PermanentFailure, RetryPolicy, TransientFailure

log = logging.getLogger(__name__)

attempts_total = Counter(
    "academy_notification_attempts_total", "Delivery attempts", ["channel", "outcome"]
)


class Deliveries(Protocol):
    """The store side of a channel: what is pending, and how each outcome is recorded."""

    async def pending(self, limit: int) -> list[Document]:
        """Up to ``limit`` pending items, the earliest ``next_attempt_at`` first."""
        ...

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
        self._next_due: datetime | None = now()
        """When an item is due next; None when nothing is pending (until a kick or a retry)."""

    def kick(self) -> None:
        """Look for due items now: called after recording new ones."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled; a database outage only delays delivery."""
        while True:
            if self._wake.is_set() or self._due_now():
                self._wake.clear()
                try:
                    await self.drain()
                except PyMongoError as exc:
                    self._next_due = now()  # read again at the next poll
                    log.warning("%s dispatcher cannot read its store yet: %r", self._channel, exc)
            with contextlib.suppress(TimeoutError):
                # not wait_for: on 3.11 it swallows a cancellation that comes with a kick
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    def _due_now(self) -> bool:
        return self._next_due is not None and now() >= self._next_due

    async def drain(self) -> int:
        """Attempt every item due now, once, and learn when the next one is due; how many were
        attempted."""
        self._next_due = None
        attempted = 0
        while True:
            at = now()
            pending = await self._deliveries.pending(self._batch)
            for doc in pending:
                if doc["next_attempt_at"] > at:
                    self._lower(doc["next_attempt_at"])
                    return attempted
                await self._attempt(doc)
                attempted += 1
            if len(pending) < self._batch:
                return attempted

    def _lower(self, at: datetime) -> None:
        if self._next_due is None or at < self._next_due:
            self._next_due = at

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
                self._lower(next_at)
                self._count("retried")
            log.warning("%s %s attempt %d failed: %s", self._channel, doc["_id"], attempts, exc)
        except PermanentFailure as exc:
            await self._deliveries.failed(doc, attempts, now(), str(exc))
            self._count("failed")
            log.error("%s %s failed for good: %s", self._channel, doc["_id"], exc)
        except PyMongoError:
            raise  # the store, not the item: the pass stops and is tried again
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            await self._deliveries.failed(doc, attempts, now(), reason)
            self._count("failed")
            log.exception("%s %s failed for good on an unexpected error", self._channel, doc["_id"])
        else:
            await self._deliveries.delivered(doc, attempts, now())
            self._count("delivered")

    def _count(self, outcome: str) -> None:
        attempts_total.labels(self._channel, outcome).inc()
