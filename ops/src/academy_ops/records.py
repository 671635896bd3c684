"""Reading Kafka records as an operator sees them: the CloudEvents envelope decoded through the
contracts' registry where it can be, and what the record holds where it cannot (a poison
message is exactly what an operator needs to read)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from academy_contracts.envelope import InvalidEvent, from_kafka

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


class UnknownTopic(LookupError):
    """The topic an operator named does not exist on the cluster."""


@dataclass(frozen=True)
class Decoded:
    """One record: where it sits, its CloudEvents attributes, its body, and why it could not be
    decoded (``error``) when it could not."""

    topic: str
    partition: int
    offset: int
    key: str
    type: str
    id: str
    time: datetime | None
    subject: str
    body: Any
    headers: dict[str, str]
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "type": self.type,
            "id": self.id,
            "key": self.key,
            "time": self.time.isoformat() if self.time else None,
            "subject": self.subject,
            "body": self.body,
            **({"error": self.error} if self.error else {}),
        }


def headers_of(record: Record) -> dict[str, str]:
    return {name: bytes(value or b"").decode(errors="replace") for name, value in record.headers}


def decode(record: Record) -> Decoded:
    headers = headers_of(record)
    raw = {name: value.encode() for name, value in headers.items()}
    key = (record.key or b"").decode(errors="replace")
    where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
    try:
        envelope = from_kafka(raw, record.value or b"")
    except InvalidEvent as exc:
        body: Any
        try:
            body = json.loads(record.value or b"")
        except ValueError:
            body = (record.value or b"").decode(errors="replace")
        return Decoded(
            **where,
            key=key,
            type=headers.get("ce_type", "?"),
            id=headers.get("ce_id", "?"),
            time=None,
            subject=headers.get("ce_subject", ""),
            body=body,
            headers=headers,
            error=str(exc),
        )
    return Decoded(
        **where,
        key=key,
        type=envelope.type,
        id=envelope.id,
        time=envelope.time,
        subject=envelope.subject,
        body=json.loads(envelope.data.model_dump_json()),
        headers=headers,
    )


async def partitions_of(bootstrap: str, topic: str) -> list[TopicPartition]:
    """The partitions of ``topic``, from the cluster itself (a consumer knows only the topics
    it has subscribed to)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="academy-ops")
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    found = [p["partition"] for d in described if not d["error_code"] for p in d["partitions"]]
    if not found:
        raise UnknownTopic(f"no topic {topic!r} on the cluster at {bootstrap}")
    return [TopicPartition(topic, p) for p in sorted(found)]


async def read_range(
    consumer: AIOKafkaConsumer, start: dict[TopicPartition, int], end: dict[TopicPartition, int]
) -> AsyncIterator[Record]:
    """The records of each partition from ``start`` up to (not including) ``end``: a bounded
    read, for listing what a topic holds now."""
    left = {tp: stop for tp, stop in end.items() if start.get(tp, stop) < stop}
    consumer.assign(list(end))
    for tp in end:
        consumer.seek(tp, start.get(tp, end[tp]))
    while left:
        batches = await consumer.getmany(*left, timeout_ms=1000)
        for tp, records in batches.items():
            for record in records:
                if record.offset < left[tp]:
                    yield record
        for tp in list(left):
            # Checked for every partition, not just those with records: a partition can end
            # on offsets that hold no record (transaction markers, records deleted by retention).
            if await consumer.position(tp) >= left[tp]:
                del left[tp]


STOP_SECONDS = 5.0


async def stop(consumer: AIOKafkaConsumer) -> None:
    """Stop ``consumer`` within :data:`STOP_SECONDS`: aiokafka's stop was seen to wait forever
    on the cancelled fetch of a partition just read to its end (``academy dlt list`` on the dev
    stack); the tools have read what they need by then, so a stuck stop is abandoned."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(consumer.stop(), STOP_SECONDS)


def bootstrap_consumer(bootstrap: str, group: str | None = None) -> AIOKafkaConsumer:
    """A consumer that commits nothing by itself: the tools read, and commit only on purpose."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id="academy-ops",
    )


def matches(
    item: Decoded, types: Iterable[str], keys: Iterable[str], ids: Iterable[str] = ()
) -> bool:
    """Whether ``item`` passes the filters; an empty filter passes everything. A type matches
    in full or as a suffix (``application.submitted.v1``) or infix (``submitted``)."""
    types, keys, ids = list(types), list(keys), list(ids)
    return (
        (not types or any(t in item.type for t in types))
        and (not keys or item.key in keys)
        and (not ids or item.id in ids)
    )
