"""The dispatcher's retry rules on an in-memory channel (the fast tier): a delivery is
attempted when due, a transient failure waits the policy's doubling delay, a permanent one
fails at once, and the last allowed attempt fails for good."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from academy_kit import health
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.domain.delivery import PermanentFailure, RetryPolicy, TransientFailure
from academy_notification.handlers.dispatch import Dispatcher

from .support.memory import MemoryDeliveries


class Sender:
    """Fails each item with the failures queued for it, then delivers it."""

    def __init__(self, failures: dict[str, list[Exception]]) -> None:
        self.failures = failures
        self.calls: list[str] = []

    async def __call__(self, doc: Document) -> None:
        self.calls.append(doc["_id"])
        queued = self.failures.get(doc["_id"], [])
        if queued:
            raise queued.pop(0)


def _dispatcher(deliveries: MemoryDeliveries, sender: Sender, max_attempts: int = 3) -> Dispatcher:
    policy = RetryPolicy(max_attempts, base_seconds=60, max_seconds=300)
    return Dispatcher("test", deliveries, sender, policy, poll_seconds=1, batch=2)


def _make_due(deliveries: MemoryDeliveries) -> None:
    for doc in deliveries.items.values():
        doc["next_attempt_at"] = now() - timedelta(seconds=1)


async def test_every_due_item_is_delivered_once_across_batches() -> None:
    deliveries = MemoryDeliveries()
    for n in range(5):
        deliveries.add(f"m{n}", now() - timedelta(seconds=1))
    sender = Sender({})
    assert await _dispatcher(deliveries, sender).drain() == 5
    assert sorted(sender.calls) == [f"m{n}" for n in range(5)]
    assert {outcome for _, outcome, _ in deliveries.outcomes} == {"delivered"}
    assert await _dispatcher(deliveries, sender).drain() == 0


async def test_a_transient_failure_is_retried_after_the_policys_delay() -> None:
    deliveries = MemoryDeliveries()
    deliveries.add("m", now() - timedelta(seconds=1))
    sender = Sender({"m": [TransientFailure("server down")]})
    dispatcher = _dispatcher(deliveries, sender)
    before = now()
    assert await dispatcher.drain() == 1
    waits = deliveries.items["m"]["next_attempt_at"] - before
    assert timedelta(seconds=60) <= waits < timedelta(seconds=61)
    assert await dispatcher.drain() == 0, "not attempted again before it is due"
    _make_due(deliveries)
    assert await dispatcher.drain() == 1
    assert deliveries.outcomes == [("m", "retry", 1), ("m", "delivered", 2)]


async def test_a_permanent_failure_fails_at_once() -> None:
    deliveries = MemoryDeliveries()
    deliveries.add("m", now() - timedelta(seconds=1))
    await _dispatcher(deliveries, Sender({"m": [PermanentFailure("550")]})).drain()
    assert deliveries.outcomes == [("m", "failed", 1)]


@pytest.mark.parametrize("max_attempts", [1, 2, 4])
async def test_the_last_allowed_attempt_fails_for_good(max_attempts: int) -> None:
    deliveries = MemoryDeliveries()
    deliveries.add("m", now() - timedelta(seconds=1))
    sender = Sender({"m": [TransientFailure("down")] * 10})
    dispatcher = _dispatcher(deliveries, sender, max_attempts)
    for _ in range(max_attempts + 2):
        _make_due(deliveries)
        await dispatcher.drain()
    assert deliveries.outcomes == [
        *(("m", "retry", n) for n in range(1, max_attempts)),
        ("m", "failed", max_attempts),
    ]


def test_the_delay_doubles_up_to_its_ceiling() -> None:
    policy = RetryPolicy(8, base_seconds=5, max_seconds=30)
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 30, 30]


async def test_an_unexpected_error_fails_that_item_and_the_next_ones_are_sent() -> None:
    """A sender that raises something else than its two failures (a header it cannot write)
    used to end the pass, and the same head item raised again at every pass: nothing behind it
    was ever sent."""
    deliveries = MemoryDeliveries()
    deliveries.add("bad", now() - timedelta(seconds=2))
    deliveries.add("good", now() - timedelta(seconds=1))
    sender = Sender({"bad": [ValueError("Header values may not contain linefeed")]})
    assert await _dispatcher(deliveries, sender).drain() == 2
    assert deliveries.outcomes == [("bad", "failed", 1), ("good", "delivered", 1)]
    assert "ValueError: Header values" in deliveries.items["bad"]["last_error"]


class StoreAwayOnce(MemoryDeliveries):
    """The store goes away once, as it was killed: the first outcome written after a send
    meets it gone."""

    async def delivered(self, doc: Document, attempts: int, at: Any) -> None:
        if not getattr(self, "went_away", False):
            self.went_away = True
            raise AutoReconnect("127.0.0.1:27017: [Errno 111] Connection refused")
        await super().delivered(doc, attempts, at)


async def test_an_outcome_the_store_cannot_take_yet_waits_and_the_item_is_not_sent_again() -> None:
    """A send that succeeded while the store was away used to stop the pass with the item still
    pending, and the next pass sent it again (an email twice, after a store restart)."""
    deliveries = StoreAwayOnce()
    deliveries.add("m", now() - timedelta(seconds=1))
    sender = Sender({})
    policy = RetryPolicy(3, base_seconds=60, max_seconds=300)
    dispatcher = Dispatcher(
        "test", deliveries, sender, policy, poll_seconds=1, batch=2, outage_seconds=(0.01, 0.01)
    )
    assert await dispatcher.drain() == 1
    assert await dispatcher.drain() == 0
    assert sender.calls == ["m"]
    assert deliveries.outcomes == [("m", "delivered", 1)]


class Hanging:
    """A sender whose every call waits until released, as a server that never answers."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls: list[str] = []

    async def __call__(self, doc: Document) -> None:
        self.calls.append(doc["_id"])
        await self.release.wait()


async def test_a_head_that_does_not_move_is_reported_stuck_until_it_moves(
    eventually: Any,
) -> None:
    """Before, a hanging send held the queue and readiness said nothing."""
    deliveries = MemoryDeliveries()
    deliveries.add("head", now() - timedelta(seconds=1))
    deliveries.add("behind", now() - timedelta(seconds=1))
    sender = Hanging()
    policy = RetryPolicy(3, base_seconds=60, max_seconds=300)
    dispatcher = Dispatcher(
        "test", deliveries, sender, policy, poll_seconds=0.05, batch=10, stuck_seconds=0.2
    )
    status = health.Health("notification")
    with health.scope(status):
        task = asyncio.create_task(dispatcher.run())

    async def reported() -> str | None:
        return status.stuck().get("test_queue")

    try:
        reason = await eventually(reported)
        assert "head" in reason
        assert sender.calls == ["head"]
        sender.release.set()

        async def moved() -> bool:
            return deliveries.outcomes == [("head", "delivered", 1), ("behind", "delivered", 1)]

        await eventually(moved)

        async def cleared() -> bool:
            return "test_queue" not in status.stuck()

        await eventually(cleared)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert status.stuck() == {}


async def test_a_long_backlog_that_moves_is_not_stuck() -> None:
    deliveries = MemoryDeliveries()
    for n in range(20):
        deliveries.add(f"m{n}", now() - timedelta(hours=1))
    status = health.Health("notification")
    seen: list[dict[str, str]] = []

    async def slowish(doc: Document) -> None:
        await asyncio.sleep(0.02)
        dispatcher.check_stuck()  # as the watch does while an attempt runs
        seen.append(status.stuck())

    policy = RetryPolicy(3, base_seconds=60, max_seconds=300)
    dispatcher = Dispatcher(
        "test", deliveries, slowish, policy, poll_seconds=1, batch=5, stuck_seconds=5
    )
    with health.scope(status):
        assert await dispatcher.drain() == 20
    assert seen == [{}] * 20, "items due an hour ago, but the queue moves at every attempt"
