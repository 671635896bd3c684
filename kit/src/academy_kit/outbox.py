"""Transactional outbox without transactions.

FerretDB (and a standalone MongoDB) has no multi-document transactions, so the events a state
change causes are embedded in the very document that changes, under ``outbox``: one write holds
both. The relay publishes the pending entries to Kafka (idempotent producer, acks=all) and then
removes them from their document. A crash between the two republishes an entry with the same
event id, which every consumer deduplicates: at-least-once out, exactly-once effect.

Finding the pending entries is the costly part: FerretDB answers any filter but ``_id`` by
reading the whole collection. So a writer tells the relay which document it touched
(``relay.kick(collection, document_id)``) and the relay reads just those, by ``_id``. It reads
whole collections only at start (what a crash left behind), when kicked without a document, and
every ``outbox_sweep_seconds`` as a safety net. Nothing is lost if a kick is: the entry waits in
its document for the next sweep.

The relay reads without the document's lock, and need not take it: writers only append entries,
the relay alone removes them (by value, under the lock), and it drains one batch at a time, so
what it read is either still there to remove once published or was appended after and is left
for the next drain. An entry is published twice only when its removal fails after its
publication (the store gone at that moment, or the process killed): the same event id again.

Every wait on the producer is bounded (:data:`PUBLISH_TIMEOUT_SECONDS`), so no answer that
never comes can hold the relay for good while the service answers 201 and readiness 200: a wave
not acknowledged in time is a failure like any Kafka error; the producer is dropped, a new one
is made, and the wave is published again (the same event ids).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, StatusCode
from prometheus_client import Counter, Gauge
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit import logs, telemetry
from academy_kit.clock import now
from academy_kit.mongo import Document, document_lock
from academy_kit.settings import ServiceSettings

E = TypeVar("E", bound=IntegrationEvent)

OUTBOX = "outbox"
PUBLISH_TIMEOUT_SECONDS = 30.0
"""The longest the relay waits for a wave's sends and acknowledgements, or for a producer to
stop: three times the producer's own request timeout."""
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
    "academy_outbox_pending",
    "Events the relay found waiting and has not published yet (at its last attempt)",
    ["service"],
)
oldest_gauge = Gauge(
    "academy_outbox_oldest_seconds",
    "Age (from its CloudEvents time) of the oldest event the relay found waiting and has not "
    "published yet, at its last attempt; 0 when it published everything it found",
    ["service"],
)
sweeps_total = Counter(
    "academy_outbox_sweeps_total", "Reads of whole collections by the relay", ["service"]
)


def envelope(event: E, source: str) -> Envelope[E]:
    """The envelope of an event the current request or message causes: it carries that
    request's correlation id, so one applicant's click can be followed through every service."""
    return Envelope(data=event, source=source, correlation_id=logs.correlation_id.get())


def entries(envelopes: Iterable[Envelope]) -> list[Document]:  # type: ignore[type-arg]
    """The outbox entries to embed, in order, in the document a state change writes. Each keeps
    the trace context of the request or message that caused it (empty when nothing is traced),
    which its publication continues."""
    trace_context = telemetry.carrier()
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
                "trace": trace_context,
            }
        )
    return result


@contextlib.asynccontextmanager
async def _within(deadline: float) -> AsyncIterator[None]:
    """Wait on the producer until ``deadline`` (the loop's clock) at most; past it, a
    :class:`KafkaTimeoutError`, handled as any Kafka failure."""
    try:
        async with asyncio.timeout_at(deadline):
            yield
    except TimeoutError as exc:
        raise KafkaTimeoutError(
            f"no answer from the producer within {PUBLISH_TIMEOUT_SECONDS:.0f} s"
        ) from exc


def _publish_span(entry: Document) -> Span:
    """The span of one entry's publication, from the send to the broker's acknowledgement: a
    child of the request or message that wrote the entry (its stored trace context), and the
    parent of every consumer's span, through the ``traceparent`` header it is written into."""
    return telemetry.tracer().start_span(
        f"{entry['topic']} publish",
        context=propagate.extract(entry.get("trace") or {}),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": entry["topic"],
            "messaging.message.id": entry["event_id"],
            "messaging.kafka.message.key": bytes(entry["key"]).decode(errors="replace"),
            "cloudevents.event_type": entry["type"],
        },
    )


def _failed_span(span: Span, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(StatusCode.ERROR, repr(exc))
    span.end()


def _oldest_age(waiting: Sequence[Document]) -> float:
    """Seconds since the oldest of ``waiting`` happened (its ``ce_time``); 0 for none."""
    times = [datetime.fromisoformat(entry["headers"]["ce_time"]) for entry in waiting]
    return max(0.0, (now() - min(times)).total_seconds()) if times else 0.0


Location = tuple[str, Any]
"""(collection, document ``_id``) of a document holding outbox entries."""


class OutboxRelay:
    """Publishes the outbox entries of the given collections, in order per key.

    Entries are published in waves: each wave sends the next entry of every key at once and
    awaits all their acknowledgements, so the entries of many documents share the broker's
    round trips while an entry never leaves before the one of its key ahead of it was
    acknowledged. Once the entries read are published, each document loses them in one write
    (``$pullAll`` of their whole values: FerretDB 1.x removes array elements by value only).
    """

    def __init__(
        self, db: AsyncDatabase[Document], collections: Sequence[str], settings: ServiceSettings
    ) -> None:
        self._db = db
        self._collections = tuple(collections)
        self._bootstrap = settings.kafka_bootstrap_servers
        self._service = settings.service_name
        self._first_retry = settings.outbox_poll_seconds
        self._max_retry = max(settings.outbox_retry_max_seconds, settings.outbox_poll_seconds)
        self._sweep_every = settings.outbox_sweep_seconds
        self._batch = settings.outbox_batch
        self._wake = asyncio.Event()
        self._touched: dict[Location, None] = {}
        """Documents written since the last drain, in the order they were (an ordered set)."""
        self._sweep_due = True
        self._producer: AIOKafkaProducer | None = None

    def kick(self, collection: str | None = None, document_id: Any = None) -> None:
        """Publish soon: called right after a write that added outbox entries. Name the
        document written, so the relay reads only it; without one, the relay reads every
        collection it serves."""
        if collection is None:
            self._sweep_due = True
        elif collection not in self._collections:
            raise ValueError(f"the relay does not serve the collection {collection!r}")
        else:
            self._touched[(collection, document_id)] = None
        self._wake.set()

    async def run(self) -> None:
        """Relay until cancelled. Kafka or the store being unreachable only delays publication:
        each failure is logged and retried after a wait that doubles up to a bound."""
        failures = 0
        next_sweep = time.monotonic()
        try:
            while True:
                if time.monotonic() >= next_sweep:
                    self._sweep_due = True
                self._wake.clear()
                try:
                    swept = self._sweep_due
                    await self.drain()
                except Exception as exc:  # the relay outlives any failure, logged
                    failures += 1
                    await self._failed(exc, failures)
                    continue
                if failures:
                    log.info("outbox relay resumed after %d failed attempts", failures)
                    failures = 0
                if swept:
                    next_sweep = time.monotonic() + self._sweep_every
                if not self._wake.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._wake.wait(), timeout=max(0.0, next_sweep - time.monotonic())
                        )
        finally:
            await self._reset_producer()

    async def _failed(self, exc: Exception, failures: int) -> None:
        wait = min(self._first_retry * 2 ** (failures - 1), self._max_retry)
        if isinstance(exc, KafkaError):
            publish_errors_total.labels(self._service).inc()
            log.warning("outbox relay cannot publish yet, retry in %.1f s: %r", wait, exc)
            await self._reset_producer()
        elif isinstance(exc, PyMongoError):
            log.warning("outbox relay cannot reach the store, retry in %.1f s: %r", wait, exc)
        else:
            log.exception("outbox relay failed, retry in %.1f s", wait)
        await asyncio.sleep(wait)

    async def drain(self) -> None:
        """Publish every entry of the documents kicked since the last drain, and of every
        document when a sweep is due. What could not be published stays where it is and its
        document stays on the relay's list, so the next attempt starts there."""
        touched, self._touched = self._touched, {}
        sweep, self._sweep_due = self._sweep_due, False
        pending: dict[Location, list[Document]] = {}
        try:
            async for location, found in self._kicked(touched):
                pending[location] = found
                if len(pending) >= self._batch:
                    await self._publish_and_clear(pending)
            await self._publish_and_clear(pending)
            if sweep:
                sweeps_total.labels(self._service).inc()
                # closed at once when a publication fails midway (see _pending_everywhere)
                async with contextlib.aclosing(self._pending_everywhere()) as everywhere:
                    async for location, found in everywhere:
                        pending[location] = found
                        if len(pending) >= self._batch:
                            await self._publish_and_clear(pending)
                await self._publish_and_clear(pending)
        except BaseException:
            self._touched = {**touched, **dict.fromkeys(pending), **self._touched}
            self._sweep_due |= sweep
            raise
        finally:
            waiting = [entry for found in pending.values() for entry in found]
            pending_gauge.labels(self._service).set(len(waiting))
            oldest_gauge.labels(self._service).set(_oldest_age(waiting))

    async def _kicked(
        self, touched: dict[Location, None]
    ) -> AsyncIterator[tuple[Location, list[Document]]]:
        """The entries of the kicked documents, each read by ``_id`` (a seek on any store)."""
        for name, document_id in list(touched):
            doc = await self._db[name].find_one({"_id": document_id}, {OUTBOX: 1})
            del touched[(name, document_id)]
            if doc is not None and doc.get(OUTBOX):
                yield (name, document_id), doc[OUTBOX]

    async def _pending_everywhere(self) -> AsyncGenerator[tuple[Location, list[Document]]]:
        """The entries of every document that has some: a read of whole collections. Each
        cursor is closed as soon as it is left: FerretDB holds one of a database's 100 SQLite
        connections for every cursor not read to its end, until it is closed, and with 100 held
        every later query of that database waits for good."""
        for name in self._collections:
            async with self._db[name].find(PENDING, {OUTBOX: 1}) as cursor:
                async for doc in cursor:
                    yield (name, doc["_id"]), doc[OUTBOX]

    async def _publish_and_clear(self, pending: dict[Location, list[Document]]) -> None:
        """Publish ``pending`` in waves, then remove from each document what was published,
        also when a wave fails (that failure is raised after). Leaves in ``pending`` only what
        was not published."""
        queues: dict[bytes, list[tuple[Location, Document]]] = {}
        for location, found in pending.items():
            for entry in found:
                queues.setdefault(bytes(entry["key"]), []).append((location, entry))
        published: dict[Location, list[Document]] = {}
        try:
            while queues:
                wave = [queue.pop(0) for queue in queues.values()]
                queues = {key: queue for key, queue in queues.items() if queue}
                await self._publish_wave(wave, published)
        finally:
            await self._clear(published)
            for location, entries_done in published.items():
                left = [e for e in pending[location] if e not in entries_done]
                if left:
                    pending[location] = left
                else:
                    del pending[location]

    async def _publish_wave(
        self, wave: list[tuple[Location, Document]], published: dict[Location, list[Document]]
    ) -> None:
        producer = await self._ensure_producer()
        sent: list[tuple[Location, Document, asyncio.Future[Any], Span]] = []
        failure: KafkaError | None = None
        deadline = asyncio.get_running_loop().time() + PUBLISH_TIMEOUT_SECONDS
        for location, entry in wave:
            span = _publish_span(entry)
            headers = {**entry["headers"]}
            propagate.inject(headers, context=trace.set_span_in_context(span))
            try:
                async with _within(deadline):
                    acknowledgement = await producer.send(
                        entry["topic"],
                        value=bytes(entry["value"]),
                        key=bytes(entry["key"]),
                        headers=[(k, v.encode()) for k, v in headers.items()],
                    )
            except KafkaError as exc:
                _failed_span(span, exc)
                failure = exc
                break
            sent.append((location, entry, acknowledgement, span))
        for location, entry, acknowledgement, span in sent:
            try:
                async with _within(deadline):
                    await asyncio.shield(acknowledgement)
            except KafkaError as exc:
                _failed_span(span, exc)
                failure = failure or exc
                continue
            span.end()
            published.setdefault(location, []).append(entry)
            published_total.labels(self._service, entry["topic"]).inc()
        if failure is not None:
            raise failure

    async def _clear(self, published: dict[Location, list[Document]]) -> None:
        """One write per document (one round trip per collection), each under the document's
        lock: FerretDB 1.x loses one of two concurrent updates of a document."""
        by_collection: dict[str, list[tuple[Any, list[Document]]]] = {}
        for (name, document_id), done in published.items():
            by_collection.setdefault(name, []).append((document_id, done))
        for name, documents in by_collection.items():
            collection = self._db[name]
            async with contextlib.AsyncExitStack() as locks:
                for document_id, _ in documents:
                    await locks.enter_async_context(document_lock(collection, document_id))
                await collection.bulk_write(
                    [
                        UpdateOne({"_id": document_id}, {"$pullAll": {OUTBOX: done}})
                        for document_id, done in documents
                    ],
                    ordered=False,
                )

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
                async with _within(asyncio.get_running_loop().time() + PUBLISH_TIMEOUT_SECONDS):
                    await producer.stop()
            except KafkaError:
                log.debug("producer stop failed", exc_info=True)
