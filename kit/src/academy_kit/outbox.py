"""Transactional outbox without transactions.

FerretDB (and a standalone MongoDB) has no multi-document transactions, so the events a state
change causes are embedded in the very document that changes, under ``outbox``: one write holds
both. The relay publishes each pending entry to Kafka (idempotent producer, acks=all) and then
``$pull``s it. A crash between the two republishes the entry with the same event id, which every
consumer deduplicates: at-least-once out, exactly-once effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge
from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit import logs
from academy_kit.mongo import Document, document_lock
from academy_kit.settings import ServiceSettings

E = TypeVar("E", bound=IntegrationEvent)

OUTBOX = "outbox"
PENDING = {f"{OUTBOX}.0": {"$exists": True}}
"""Filter for documents with at least one unpublished event."""

log = logging.getLogger(__name__)

published_total = Counter(
    "academy_outbox_published_total", "Events the relay published to Kafka", ["service", "topic"]
)
publish_errors_total = Counter(
    "academy_outbox_publish_errors_total", "Failed publish attempts of the relay", ["service"]
)
pending_gauge = Gauge(
    "academy_outbox_pending", "Events waiting in the outbox at the last scan", ["service"]
)


def envelope(event: E, source: str) -> Envelope[E]:
    """The envelope of an event the current request or message causes: it carries that
    request's correlation id, so one applicant's click can be followed through every service."""
    return Envelope(data=event, source=source, correlation_id=logs.correlation_id.get())


def entries(envelopes: Iterable[Envelope]) -> list[Document]:  # type: ignore[type-arg]
    """The outbox entries to embed, in order, in the document a state change writes."""
    result = []
    for envelope in envelopes:
        record = envelope.to_kafka()
        result.append(
            {
                "event_id": envelope.id,
                "type": envelope.type,
                "topic": record.topic,
                "key": record.key,
                "value": record.value,
                "headers": record.headers,
            }
        )
    return result


class OutboxRelay:
    """Publishes the outbox entries of the given collections, in document order per key."""

    def __init__(
        self, db: AsyncDatabase[Document], collections: Sequence[str], settings: ServiceSettings
    ) -> None:
        self._db = db
        self._collections = collections
        self._bootstrap = settings.kafka_bootstrap_servers
        self._service = settings.service_name
        self._poll = settings.outbox_poll_seconds
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None

    def kick(self) -> None:
        """Publish soon: called right after a write that added outbox entries."""
        self._wake.set()

    async def run(self) -> None:
        """Relay until cancelled; Kafka being down only delays publication."""
        try:
            while True:
                try:
                    await self.drain()
                except KafkaError as exc:
                    publish_errors_total.labels(self._service).inc()
                    log.warning("outbox relay cannot publish yet: %r", exc)
                    await self._reset_producer()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
                self._wake.clear()
        finally:
            await self._reset_producer()

    async def drain(self) -> None:
        """Publish every pending entry once. The backlog gauge counts what this scan found and
        could not publish (a broker outage stops the scan at the first failure)."""
        pending = 0
        try:
            for name in self._collections:
                collection = self._db[name]
                async for doc in collection.find(PENDING, {OUTBOX: 1}):
                    pending += len(doc[OUTBOX])
                    for entry in doc[OUTBOX]:
                        await self._publish(entry)
                        # The whole entry, not a condition: FerretDB 1.x's $pull matches by
                        # value only.
                        async with document_lock(collection, doc["_id"]):
                            await collection.update_one(
                                {"_id": doc["_id"]}, {"$pull": {OUTBOX: entry}}
                            )
                        pending -= 1
        finally:
            pending_gauge.labels(self._service).set(pending)

    async def _publish(self, entry: Document) -> None:
        producer = await self._ensure_producer()
        await producer.send_and_wait(
            entry["topic"],
            value=bytes(entry["value"]),
            key=bytes(entry["key"]),
            headers=[(k, v.encode()) for k, v in entry["headers"].items()],
        )
        published_total.labels(self._service, entry["topic"]).inc()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                enable_idempotence=True,
                acks="all",
                request_timeout_ms=10_000,
                client_id=f"{self._service}-outbox",
            )
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _reset_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except KafkaError:
                log.debug("producer stop failed", exc_info=True)
