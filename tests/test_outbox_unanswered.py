"""The relay never waits on the producer for ever (fast tier, no servers): a wave whose
acknowledgement never comes fails like any Kafka error once the bound has passed, so the relay
makes a new producer and publishes the wave again instead of holding every later event back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError

from academy_kit import outbox
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.settings import ServiceSettings


class SilentProducer:
    """Takes every record and never acknowledges it; never stops either."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, topic: str, **record: Any) -> asyncio.Future[Any]:
        self.sent += 1
        return asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        await asyncio.Event().wait()


def _entry(n: int) -> Document:
    return {
        "event_id": f"e{n}",
        "type": "test.event",
        "topic": "academy.test",
        "key": b"k",
        "value": b"v",
        "headers": {"ce_id": f"e{n}"},
        "time": "2026-12-01T00:00:00+00:00",
    }


async def test_an_unacknowledged_wave_fails_in_bounded_time_and_the_producer_is_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(outbox, "PUBLISH_TIMEOUT_SECONDS", 0.2)
    relay = OutboxRelay(None, ["things"], ServiceSettings(env="development"))  # type: ignore[arg-type]
    producer = SilentProducer()
    relay._producer = producer
    published: dict[Any, list[Document]] = {}
    wave = [(("things", "d1"), _entry(1)), (("things", "d2"), _entry(2))]
    async with asyncio.timeout(5):
        with pytest.raises(KafkaTimeoutError):
            await relay._publish_wave(wave, published)
        await relay._reset_producer()  # what the relay does on any Kafka failure
    assert producer.sent == 2
    assert published == {}, "nothing unacknowledged counts as published"
    assert relay._producer is None, "the next attempt makes a new producer"
