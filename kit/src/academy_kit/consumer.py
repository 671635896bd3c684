"""Consuming Academy events: decode the CloudEvents envelope, hand each event to the service's
handler with the event id and correlation id in the logs, and keep one bad record from stopping
the records behind it.

Failure policy (the same for every consumer):

- **Cannot be decoded** (a body that is not JSON, an empty body or tombstone, an envelope that
  fails validation, an unknown type): dead-lettered at once, and the partition moves on.
- **Store or broker unreachable** (PyMongo's ``ConnectionFailure`` family: ``AutoReconnect``,
  ``ServerSelectionTimeoutError``, ``NetworkTimeout``; a retriable ``KafkaError``): the event is
  tried again after a delay that doubles from ``consumer_retry_seconds`` up to
  ``consumer_retry_max_seconds``, for as long as the outage lasts, one warning line per try.
  Nothing is dead-lettered or skipped for it, so nothing is lost. The delay outlives the
  record: an outage seen on one record starts the next one at the same delay, so a backlog does
  not turn into a burst of tries. After a few tries readiness reports the consumer stuck.
- **Any other exception** from the handler on one event: tried ``consumer_attempts`` times in
  all, with the same growing delay between tries, then the event is dead-lettered with the error
  and its traceback in the log, and the partition moves on.

Why bounded in-place retries and not retry topics (Spring Kafka's non-blocking retries): the
events of one cluster are keyed by its application id and their order matters to every handler
(a submission before its amendment or withdrawal, a selection before its check-ins and claims).
A retry topic lets later events of the key overtake the one being retried. Here a partition does
not advance until its current record is handled or dead-lettered, so per key the order is kept;
the one exception is a dead-lettered event, which later events of its key overtake, and which an
operator replays from ``<topic>.dlt`` (handlers are idempotent, so a replay is safe). The cost,
a partition pausing for a few seconds of retries, is small next to reordering.

FastStream's nack seeks back to the record at once, which made a failing handler a hot loop; so
the subscriber reads the raw record (FastStream's JSON decoding would raise before it), handles
every exception itself and acks, and only seeks back (a nack) while an
outage lasts longer than :data:`POLL_AT_LEAST_EVERY`, because aiokafka leaves the group when its
consumer is not polled within ``max_poll_interval_ms`` (5 minutes by default).

A dead-letter copy keeps the record's key and headers and adds ``dlt_error``, ``dlt_topic``,
``dlt_partition``, ``dlt_offset`` and ``dlt_consumer_group``. A copy that the producer would refuse
as larger than :data:`MAX_REQUEST_BYTES` (a record near 1 MB plus those headers) has its body cut
(then, if need be, the largest original headers dropped), and ``dlt_truncated`` says what was cut:
dead-lettering itself never fails for good. Retries show in ``academy_events_retried_total``, dead
letters in ``academy_events_dead_lettered_total``, both labelled by topic and reason.

Offsets are committed after the handler returns or the record is dead-lettered; a record can be
delivered again (a rebalance, a crash before the commit), so handlers key their writes on the
event id or a natural key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from faststream import AckPolicy
from faststream.exceptions import NackMessage
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.message import StreamMessage
from prometheus_client import REGISTRY, Counter, Gauge
from pymongo.errors import ConnectionFailure

from academy_contracts.envelope import Envelope, from_kafka
from academy_contracts.events import IntegrationEvent
from academy_contracts.registry import Topic, dead_letter_topic
from academy_kit import health, logs, telemetry
from academy_kit.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[Envelope[IntegrationEvent]], Awaitable[None]]
_Record: TypeAlias = "ConsumerRecord[bytes, bytes]"

MAX_REQUEST_BYTES = 1024 * 1024
"""The producer's ``max_request_size`` (aiokafka's default, set explicitly so the dead-letter
copy can be sized against it)."""
POLL_AT_LEAST_EVERY = 60.0
"""Seconds an outage may hold one record in place before the consumer polls again."""
STUCK_AFTER_TRIES = 5
"""Tries during an outage after which readiness reports the consumer stuck."""
_ERROR_CHARS = 2000

consumed_total = Counter("academy_events_consumed_total", "Events handled", ["service", "type"])
retried_total = Counter(
    "academy_events_retried_total",
    "Handling attempts that failed and will be tried again",
    ["service", "topic", "reason"],
)
dead_lettered_total = Counter(
    "academy_events_dead_lettered_total",
    "Messages sent to a dead-letter topic",
    ["service", "topic", "reason"],
)
lag_gauge = Gauge(
    "academy_consumer_lag",
    "Records on a partition the service's consumer has not handled yet (the partition's high "
    "watermark less the offset of the record being or next to be handled), for the partitions "
    "assigned to this replica",
    ["service", "group", "topic", "partition"],
)
_next_to_handle: dict[tuple[str, str, int], int] = {}
"""(group, topic, partition) -> offset of the record being handled, or of the next one once it
is done: FastStream takes a whole fetch from the consumer at once, so the consumer's position
runs ahead of what was handled."""


def broker_for(settings: ServiceSettings) -> KafkaBroker:
    """The service's Kafka broker; FastStream logs through the service's JSON log handler,
    measures each handler's duration on ``/metrics`` (``faststream_received_processed_*``,
    labelled by the service as ``app_name`` and the topics as ``handler``) and traces each
    record it handles when tracing is on."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        logger=logging.getLogger("faststream"),
        max_request_size=MAX_REQUEST_BYTES,
        middlewares=(
            *telemetry.broker_middlewares(),
            KafkaPrometheusMiddleware(registry=REGISTRY, app_name=settings.service_name),
        ),
    )


def transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the store or the broker is unreachable (try again later) rather
    than that this event cannot be handled."""
    if isinstance(exc, ConnectionFailure | KafkaConnectionError | KafkaTimeoutError):
        return True
    return isinstance(exc, KafkaError) and bool(exc.retriable)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a consumer tries again (see the module doc)."""

    attempts: int
    first_delay: float
    longest_delay: float

    @classmethod
    def of(cls, settings: ServiceSettings) -> RetryPolicy:
        return cls(
            settings.consumer_attempts,
            settings.consumer_retry_seconds,
            settings.consumer_retry_max_seconds,
        )

    def delay(self, tries: int) -> float:
        return min(self.longest_delay, self.first_delay * 2.0 ** (tries - 1))


class _Outage:
    """Tries made since the store or broker last answered, shared by the records of one
    subscriber, so the delay keeps growing across records and redeliveries."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.tries = 0

    def ended(self) -> None:
        if self.tries:
            log.warning("%s: moving again after %d tries", self.part, self.tries)
            health.clear(self.part)
        self.tries = 0


class _DeadLetter(Exception):
    """The handler failed on this event ``attempts`` times: dead-letter it with ``error``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def subscribe(
    broker: KafkaBroker,
    topics: Topic | Sequence[Topic],
    settings: ServiceSettings,
    handler: Handler,
) -> None:
    """Register ``handler`` for every valid event on ``topics`` in the service's consumer group,
    under the failure policy of the module doc.

    One consumer reads all the topics: several consumers of one service in one group, each on a
    topic of its own, would rebalance the group at every start and fail commits meanwhile.
    """
    names = [topics.value] if isinstance(topics, Topic) else [t.value for t in topics]
    group_id, service = settings.group_id, settings.service_name
    policy = RetryPolicy.of(settings)
    outage = _Outage(f"consumer {group_id}")

    async def handle(envelope: Envelope[IntegrationEvent], record: _Record) -> None:
        for attempt in range(1, policy.attempts + 1):
            try:
                await handler(envelope)
            except Exception as exc:
                if transient(exc):
                    raise
                if attempt == policy.attempts:
                    log.exception(
                        "handling %s %s failed %d times", envelope.type, envelope.id, attempt
                    )
                    raise _DeadLetter(_describe(exc)) from exc
                delay = policy.delay(attempt)
                retried_total.labels(service, record.topic, "failed").inc()
                log.warning(
                    "handling %s %s failed (try %d of %d), trying again in %.1f s: %s",
                    envelope.type,
                    envelope.id,
                    attempt,
                    policy.attempts,
                    delay,
                    _describe(exc),
                )
                await asyncio.sleep(delay)
            else:
                consumed_total.labels(service, envelope.type).inc()
                return

    async def process(record: _Record) -> None:
        try:
            envelope = _decode(record)
        except Exception as exc:  # whatever decoding raises, the record cannot be read
            await _dead_letter(broker, group_id, service, record, _describe(exc), "undecodable")
            return
        event_token = logs.event_id.set(envelope.id)
        correlation_token = logs.correlation_id.set(envelope.correlation_id)
        try:
            await handle(envelope, record)
        except _DeadLetter as failed:
            await _dead_letter(broker, group_id, service, record, failed.error, "failed")
        finally:
            logs.event_id.reset(event_token)
            logs.correlation_id.reset(correlation_token)

    @broker.subscriber(
        *names,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_undecoded,
        title=f"{service}:{','.join(names)}",
    )
    async def on_message(message: KafkaMessage) -> None:
        record = _record(message)
        progress = (group_id, record.topic, record.partition)
        _next_to_handle[progress] = record.offset
        loop = asyncio.get_running_loop()
        held_since = loop.time()
        while True:
            try:
                await process(record)
            except Exception as exc:
                # Transient, or publishing the dead letter failed: never spin on the record.
                outage.tries += 1
                delay = policy.delay(outage.tries)
                reason = "unreachable" if transient(exc) else "dead_letter_failed"
                retried_total.labels(service, record.topic, reason).inc()
                log.warning(
                    "%s[%s]@%s: %s (try %d), trying again in %.1f s: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    reason.replace("_", " "),
                    outage.tries,
                    delay,
                    _describe(exc),
                )
                if outage.tries >= STUCK_AFTER_TRIES:
                    health.report_stuck(outage.part, f"{reason}: {_describe(exc)}"[:500])
                await asyncio.sleep(delay)
                if loop.time() - held_since > POLL_AT_LEAST_EVERY:
                    raise NackMessage from exc
            else:
                outage.ended()
                _next_to_handle[progress] = record.offset + 1
                return


async def _undecoded(message: StreamMessage[Any]) -> bytes:
    """FastStream's own decoder parses a JSON body before any subscriber code runs, so a body
    that is not JSON raised there, outside this module's policy, on every redelivery (the
    hot loop of issue 12); the subscriber reads the raw record instead."""
    return message.body


def _record(message: KafkaMessage) -> _Record:
    record = message.raw_message
    if not isinstance(record, ConsumerRecord):  # batch subscribers are not used here
        raise TypeError("expected one Kafka record")
    return record


def _decode(record: _Record) -> Envelope[IntegrationEvent]:
    if not record.value:
        raise ValueError("empty body (a tombstone?): no event to read")
    headers = {key: bytes(value or b"") for key, value in record.headers}
    return from_kafka(headers, record.value)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]


def dead_letter_copy(
    record: _Record, error: str, group_id: str, limit: int = MAX_REQUEST_BYTES
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``record``'s dead-letter copy, cut to fit in ``limit`` bytes as the
    producer counts them, with ``dlt_truncated`` saying what was cut."""
    headers = {key: bytes(value or b"").decode(errors="replace") for key, value in record.headers}
    added = {
        "dlt_error": error[:_ERROR_CHARS],
        "dlt_topic": record.topic,
        "dlt_partition": str(record.partition),
        "dlt_offset": str(record.offset),
        "dlt_consumer_group": group_id,
    }
    value = record.value or b""
    # Room for what FastStream adds (correlation id, content type) and for ``dlt_truncated``.
    budget = limit - 1024
    cut: list[str] = []

    def size() -> int:
        encoded = [(k, v.encode()) for k, v in {**headers, **added}.items()]
        return DefaultRecordBatchBuilder.estimate_size_in_bytes(record.key, value, encoded)  # type: ignore[no-any-return]

    if size() > budget:
        original = len(value)
        value = value[: max(0, len(value) - (size() - budget))]
        cut.append(f"body cut from {original} to {len(value)} bytes")
    for name in sorted(headers, key=lambda k: len(headers[k]), reverse=True):
        if size() <= budget:
            break
        del headers[name]
        cut.append(f"header {name[:100]} dropped")
    if cut:
        added["dlt_truncated"] = "; ".join(cut)
    return value, {**headers, **added}


async def _dead_letter(
    broker: KafkaBroker,
    group_id: str,
    service: str,
    record: _Record,
    error: str,
    reason: str,
) -> None:
    value, headers = dead_letter_copy(record, error, group_id)
    await broker.publish(value, dead_letter_topic(record.topic), key=record.key, headers=headers)
    dead_lettered_total.labels(service, record.topic, reason).inc()
    log.error(
        "dead-lettered %s[%s]@%s (%s): %s",
        record.topic,
        record.partition,
        record.offset,
        reason,
        error,
    )


async def measure_lag(broker: KafkaBroker, settings: ServiceSettings) -> None:
    """Publish ``academy_consumer_lag`` every ``consumer_lag_seconds`` until cancelled: the
    broker's end offset of each partition held, less the record being handled (else the
    consumer's position). A partition this replica no longer holds leaves the gauge, so the sum
    over replicas is the group's lag. Nothing is known before the consumer's first fetch of a
    partition; while the broker is unreachable the last fetch's high watermark stands in."""
    service, group = settings.service_name, settings.group_id
    shown: set[tuple[str, str]] = set()
    while True:
        now_shown: set[tuple[str, str]] = set()
        for subscriber in broker.subscribers:
            kafka = getattr(subscriber, "consumer", None)
            if kafka is None:
                continue
            held = sorted(kafka.assignment())
            ends = await _end_offsets(kafka, held)
            for partition in held:
                highwater = ends.get(partition)
                if highwater is None:
                    continue
                position = _next_to_handle.get((group, partition.topic, partition.partition))
                if position is None:
                    position = await _position(kafka, partition)
                if position is None:
                    continue
                labels = (partition.topic, str(partition.partition))
                lag_gauge.labels(service, group, *labels).set(max(0, highwater - position))
                now_shown.add(labels)
        for labels in shown - now_shown:
            lag_gauge.remove(service, group, *labels)
        shown = now_shown
        await asyncio.sleep(settings.consumer_lag_seconds)


async def _end_offsets(kafka: Any, held: list[TopicPartition]) -> dict[TopicPartition, int]:
    """The end offsets of the partitions ``held`` as the broker has them now, in one ListOffsets
    request per interval; while the broker does not answer, the high watermarks the consumer's
    last fetches brought (old while a handler holds a partition and nothing more is fetched)."""
    if not held:
        return {}
    try:
        ends: dict[TopicPartition, int] = await asyncio.wait_for(kafka.end_offsets(held), 2.0)
    except (TimeoutError, KafkaError):
        known = {p: kafka.highwater(p) for p in held}
        return {p: end for p, end in known.items() if end is not None}
    return ends


async def _position(kafka: Any, partition: TopicPartition) -> int | None:
    """The consumer's position; unknown while it looks for its committed offset."""
    try:
        found: int = await asyncio.wait_for(kafka.position(partition), 1.0)
    except (TimeoutError, KafkaError):
        return None
    return found


async def _start(broker: KafkaBroker, retry_seconds: float) -> None:
    """Start the subscribers, trying again while Kafka is unreachable: FastStream's start fails
    at once without a broker, and nothing would consume until the service restarted."""
    while True:
        try:
            await broker.start()
        except KafkaError as exc:
            log.warning("Kafka consumers cannot start yet: %r", exc)
            await broker.stop()
            await asyncio.sleep(retry_seconds)
        else:
            return


@contextlib.asynccontextmanager
async def running(
    broker: KafkaBroker, *, retry_seconds: float = 2.0, stop_timeout: float = 15.0
) -> AsyncIterator[None]:
    """Run ``broker``'s subscribers for the duration of the block without making the service's
    start wait for Kafka: HTTP requests are served (and the outbox keeps events) while the
    broker is unreachable, and the subscribers start once it answers. On exit a start still
    trying is cancelled; stopping is bounded by ``stop_timeout``, since stopping a half-started
    aiokafka consumer can hang."""
    start = asyncio.create_task(_start(broker, retry_seconds), name="kafka-consumers")
    try:
        yield
    finally:
        start.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await start
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(broker.stop(), stop_timeout)
