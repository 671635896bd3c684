"""Delivering recorded items (emails, webhook calls) with retries and exponential backoff.

Items are documents recorded before any attempt (status ``pending``, ``attempts``,
``next_attempt_at``); the dispatcher sends those that are due, one at a time, and records each
attempt's outcome: delivered, retried later, or failed for good after the last attempt or at a
permanent error. Any other error of one item's sending (a bug, a value the sender cannot
write) fails that item for good with its reason, so the items behind it are still sent; only
a store error stops the pass, to be read again later. Everything it needs survives a restart
in the documents themselves, so a service killed mid-batch resumes where it stopped. Each item
keeps the trace context of the event that caused it, and its attempts join that trace
(:func:`academy_kit.telemetry.resumed`).

The store is read only when something may be due: the dispatcher keeps in memory the earliest
instant an item of its store is due (the first pass after a start reads the store to learn it,
each retry lowers it to its next attempt) and reads again when that instant comes or when
:meth:`Dispatcher.kick` says new items were recorded; otherwise a poll costs a clock read. A
pass reads the pending items earliest first, attempts those due and stops at the first that is
not, whose instant becomes the next due one.

A queue whose head does not move (a send that never returns, a store that cannot be read while
items are due) is reported to readiness as ``<channel>_queue`` (:func:`academy_kit.health.
report_stuck`) once its oldest due item has waited ``stuck_seconds`` with no attempt ending in
between, and taken back as soon as an attempt ends; a long but moving backlog is not stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from prometheus_client import Counter
from pymongo.errors import ConnectionFailure, PyMongoError

from academy_kit import health, telemetry
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
        stuck_seconds: float = 300.0,
        outage_seconds: tuple[float, float] = (0.5, 10.0),
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
        self._stuck_after = timedelta(seconds=stuck_seconds)
        self._head: tuple[str, datetime] | None = None
        """The item at the head of the queue and since when it has waited for this dispatcher
        (its due instant, or the last attempt that ended if later); None when nothing is due."""
        self._moving_since = now()
        self._outage_first, self._outage_longest = outage_seconds
        """The first and the longest wait before writing an attempt's outcome again."""

    @property
    def part(self) -> str:
        """The name readiness reports this queue under when it is stuck."""
        return f"{self._channel}_queue"

    def check_stuck(self) -> None:
        """Report the queue stuck if its head has waited too long, or take the report back."""
        head = self._head
        if head is not None and now() - head[1] > self._stuck_after:
            waited = (now() - head[1]).total_seconds()
            health.report_stuck(
                self.part,
                f"{self._channel} item {head[0]} is due and has waited {waited:.0f} s "
                f"(bound {self._stuck_after.total_seconds():.0f} s)",
            )
        else:
            health.clear(self.part)

    def kick(self) -> None:
        """Look for due items now: called after recording new ones."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled; a database outage only delays delivery. A watch beside the
        delivery loop checks the head, as a send that hangs also holds the loop."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._watch())
            await self._deliver()

    async def _watch(self) -> None:
        try:
            while True:
                self.check_stuck()
                await asyncio.sleep(self._poll)
        finally:
            health.clear(self.part)

    async def _deliver(self) -> None:
        while True:
            if self._wake.is_set() or self._due_now():
                self._wake.clear()
                try:
                    await self.drain()
                except PyMongoError as exc:
                    if self._head is None:  # whatever is due waits from now on
                        self._head = ("(unread: the store does not answer)", now())
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
        self._moving_since = now()
        attempted = 0
        while True:
            pending = await self._deliveries.pending(self._batch)
            # due is judged once they are read: an item recorded during the read is due too,
            # and stopping at it would make the next pass read the whole batch again
            at = now()
            for doc in pending:
                if doc["next_attempt_at"] > at:
                    self._lower(doc["next_attempt_at"])
                    self._head = None
                    return attempted
                self._wait_on(doc)
                await self._attempt(doc)
                self._moved()
                attempted += 1
            if len(pending) < self._batch:
                self._head = None
                return attempted

    def _wait_on(self, doc: Document) -> None:
        """``doc`` is the head now: it has waited since it was due, or since the queue last
        moved (the pass began or an attempt ended), whichever is later."""
        self._head = (str(doc["_id"]), max(doc["next_attempt_at"], self._moving_since))

    def _moved(self) -> None:
        self._moving_since = now()
        self._head = None
        self.check_stuck()

    def _lower(self, at: datetime) -> None:
        if self._next_due is None or at < self._next_due:
            self._next_due = at

    async def _attempt(self, doc: Document) -> None:
        attempts = int(doc.get("attempts", 0)) + 1
        record: Callable[[], Awaitable[None]]
        try:
            with telemetry.resumed(doc.get("trace")):
                await self._send(doc)
        except TransientFailure as exc:
            at = now()
            if attempts >= self._policy.max_attempts:
                reason = f"{exc} (after {attempts})"
                outcome, record = (
                    "failed",
                    partial(self._deliveries.failed, doc, attempts, at, reason),
                )
            else:
                next_at = at + self._policy.delay(attempts)
                outcome = "retried"
                record = partial(self._deliveries.retry, doc, attempts, at, next_at, str(exc))
                self._lower(next_at)
            log.warning("%s %s attempt %d failed: %s", self._channel, doc["_id"], attempts, exc)
        except PermanentFailure as exc:
            outcome, record = (
                "failed",
                partial(self._deliveries.failed, doc, attempts, now(), str(exc)),
            )
            log.error("%s %s failed for good: %s", self._channel, doc["_id"], exc)
        except PyMongoError:
            raise  # the store, not the item: the pass stops and is tried again
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            outcome, record = (
                "failed",
                partial(self._deliveries.failed, doc, attempts, now(), reason),
            )
            log.exception("%s %s failed for good on an unexpected error", self._channel, doc["_id"])
        else:
            outcome, record = "delivered", partial(self._deliveries.delivered, doc, attempts, now())
        await self._record(doc, record)
        self._count(outcome)

    async def _record(self, doc: Document, record: Callable[[], Awaitable[None]]) -> None:
        """Write an attempt's outcome, waiting out a store outage (``ConnectionFailure``: the
        store is unreachable or restarting) instead of stopping the pass. The attempt has been
        made (an email has left): a pass stopped here would find the item still pending and
        send it again. The
        writes are conditional on the item still being pending, so one that reached the store
        before its answer was lost is not applied twice. Meanwhile the item stays the head, so
        a long outage shows as a stuck queue."""
        delay = self._outage_first
        while True:
            try:
                await record()
                return
            except ConnectionFailure as exc:
                log.warning(
                    "%s %s: the store does not answer, its attempt's outcome waits %.1f s: %r",
                    self._channel,
                    doc["_id"],
                    delay,
                    exc,
                )
                await asyncio.sleep(delay)
                delay = min(2 * delay, self._outage_longest)

    def _count(self, outcome: str) -> None:
        attempts_total.labels(self._channel, outcome).inc()
