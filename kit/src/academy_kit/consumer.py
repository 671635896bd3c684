"""Consuming Academy events: decode the CloudEvents envelope, dead-letter what cannot be read,
and hand the rest to the service's handler with the event id and correlation id in the logs.

Offsets are committed after the handler returns; a handler exception (a database that is down)
leaves the message to be delivered again, so handlers must be idempotent, which they are by
keying their writes on the event id or a natural key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import Counter

from academy_contracts.envelope import Envelope, InvalidEvent, from_kafka
from academy_contracts.events import IntegrationEvent
from academy_contracts.registry import Topic, dead_letter_topic
from academy_kit import logs
from academy_kit.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[Envelope[IntegrationEvent]], Awaitable[None]]

consumed_total = Counter("academy_events_consumed_total", "Events handled", ["service", "type"])
dead_lettered_total = Counter(
    "academy_events_dead_lettered_total",
    "Messages sent to a dead-letter topic",
    ["service", "topic"],
)


def broker_for(settings: ServiceSettings) -> KafkaBroker:
    """The service's Kafka broker; FastStream logs through the service's JSON log handler."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        logger=logging.getLogger("faststream"),
    )


def subscribe(
    broker: KafkaBroker,
    topics: Topic | Sequence[Topic],
    settings: ServiceSettings,
    handler: Handler,
) -> None:
    """Register ``handler`` for every valid event on ``topics`` in the service's consumer group.

    One consumer reads all the topics: several consumers of one service in one group, each on a
    topic of its own, would rebalance the group at every start and fail commits meanwhile.
    """
    names = [topics.value] if isinstance(topics, Topic) else [t.value for t in topics]
    group_id, service = settings.group_id, settings.service_name

    @broker.subscriber(
        *names,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{service}:{','.join(names)}",
    )
    async def on_message(message: KafkaMessage) -> None:
        record = _record(message)
        headers = {k: bytes(v) for k, v in record.headers}
        try:
            envelope = from_kafka(headers, record.value)
        except InvalidEvent as exc:
            await _dead_letter(broker, group_id, service, record, str(exc))
            return
        event_token = logs.event_id.set(envelope.id)
        correlation_token = logs.correlation_id.set(envelope.correlation_id)
        try:
            await handler(envelope)
            consumed_total.labels(service, envelope.type).inc()
        finally:
            logs.event_id.reset(event_token)
            logs.correlation_id.reset(correlation_token)


def _record(message: KafkaMessage) -> ConsumerRecord[bytes, bytes]:
    record = message.raw_message
    if not isinstance(record, ConsumerRecord):  # batch subscribers are not used here
        raise TypeError("expected one Kafka record")
    return record


async def _dead_letter(
    broker: KafkaBroker,
    group_id: str,
    service: str,
    record: ConsumerRecord[bytes, bytes],
    error: str,
) -> None:
    headers = {k: bytes(v).decode(errors="replace") for k, v in record.headers}
    headers.update(
        {
            "dlt_error": error[:2000],
            "dlt_topic": record.topic,
            "dlt_partition": str(record.partition),
            "dlt_offset": str(record.offset),
            "dlt_consumer_group": group_id,
        }
    )
    await broker.publish(
        record.value, dead_letter_topic(record.topic), key=record.key, headers=headers
    )
    dead_lettered_total.labels(service, record.topic).inc()
    log.error("dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, error)


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
