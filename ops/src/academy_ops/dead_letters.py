"""``academy dlt``: what sits on the dead-letter topics, and sending it back once mended.

A consumer dead-letters a record it could not handle with the error and where the record came
from (``dlt_*`` headers, :mod:`academy_kit.consumer`). After the cause is fixed, ``redrive``
publishes the record again, as it was (key, body, CloudEvents headers, so the same event id), to
its original topic: the consumers' dedupe by event id makes a second delivery harmless, and the
redrive itself never moves a record twice.

What was moved is recorded in Kafka, in the redrive's consumer group (``academy-ops-redrive`` by
default) on the dead-letter topic: per partition, the committed offset says everything before it
was moved, and the commit's metadata lists the offsets moved beyond it (a redrive of chosen ids
leaves the others waiting). So the record survives the tool, needs no store of its own, and
every operator's machine sees the same history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from academy_contracts.registry import Topic, dead_letter_topic
from academy_ops.records import (
    Decoded,
    bootstrap_consumer,
    decode,
    matches,
    partitions_of,
    read_range,
    stop,
)

REDRIVE_GROUP = "academy-ops-redrive"
TRUNCATED = "dlt_truncated"
DLT_HEADERS = (
    "dlt_error",
    "dlt_topic",
    "dlt_partition",
    "dlt_offset",
    "dlt_consumer_group",
    TRUNCATED,
)
"""What :func:`academy_kit.consumer.dead_letter_copy` adds; a redrive drops them again."""
_METADATA_LIMIT = 3000
"""Characters of offsets a commit's metadata may hold (Kafka's default bound is 4096)."""


async def dead_letters(
    bootstrap: str, topics: Sequence[str] = (), keys: Sequence[str] = ()
) -> list[Decoded]:
    """Every record now on the dead-letter topics of ``topics`` (of every registered topic when
    none is named), oldest first per partition."""
    names = [dead_letter_topic(t) for t in (topics or [t.value for t in Topic])]
    found: list[Decoded] = []
    consumer = bootstrap_consumer(bootstrap)
    await consumer.start()
    try:
        for name in names:
            partitions = await partitions_of(bootstrap, name)
            starts = await consumer.beginning_offsets(partitions)
            ends = await consumer.end_offsets(partitions)
            async for record in read_range(consumer, starts, ends):
                item = decode(record)
                if matches(item, (), keys):
                    found.append(item)
    finally:
        await stop(consumer)
    return found


@dataclass(frozen=True)
class Redrive:
    """What one redrive did: the records it published, how many it found moved before, and
    those it left because their dead-letter copy was cut to fit (``dlt_truncated``): published
    again they would only be dead-lettered again, so they need an operator's hand."""

    moved: list[Decoded]
    moved_before: int
    truncated: list[Decoded]


class MovedOffsets:
    """The offsets of one dead-letter partition already moved (see the module doc)."""

    def __init__(self, committed: int, metadata: str) -> None:
        self.below = committed
        self.beyond = {int(o) for o in metadata.split(",") if o}

    def __contains__(self, offset: int) -> bool:
        return offset < self.below or offset in self.beyond

    def add(self, offset: int) -> None:
        self.beyond.add(offset)
        while self.below in self.beyond:
            self.beyond.remove(self.below)
            self.below += 1

    def commit(self) -> tuple[int, str]:
        metadata = ",".join(map(str, sorted(self.beyond)))
        if len(metadata) > _METADATA_LIMIT:
            raise OverflowError(
                "too many dead letters redriven out of order to record; "
                "redrive the topic without --id to move them all"
            )
        return self.below, metadata


Progress = Callable[[int, int], None]
"""Told (records read, records to read) after each dead letter a redrive reads."""


def _silent(read: int, total: int) -> None:
    """The progress of a redrive nobody watches."""


async def redrive(
    bootstrap: str,
    topic: str,
    ids: Sequence[str] = (),
    group: str = REDRIVE_GROUP,
    progress: Progress = _silent,
) -> Redrive:
    """Publish the dead letters of ``topic`` not yet moved (only those of ``ids`` if given)
    back to ``topic``, and record each as moved once Kafka acknowledged it: a redrive cut short
    republishes at most the one record in flight, which the consumers' dedupe absorbs."""
    name = dead_letter_topic(topic)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = bootstrap_consumer(bootstrap, group)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", client_id="academy-ops"
    )
    await admin.start()
    await consumer.start()
    await producer.start()
    try:
        partitions = await partitions_of(bootstrap, name)
        committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        moved_by: dict[TopicPartition, MovedOffsets] = {}
        for tp in partitions:
            at = committed.get(tp)
            moved_by[tp] = MovedOffsets(
                max(at.offset, starts[tp]) if at and at.offset >= 0 else starts[tp],
                at.metadata if at and at.offset >= 0 else "",
            )
        moved: list[Decoded] = []
        truncated: list[Decoded] = []
        before, read = 0, 0
        total = sum(ends[tp] - starts[tp] for tp in partitions)
        async for record in read_range(consumer, starts, ends):
            read += 1
            progress(read, total)
            tp = TopicPartition(record.topic, record.partition)
            item = decode(record)
            if not matches(item, (), (), ids):
                continue
            if record.offset in moved_by[tp]:
                before += 1
                continue
            if TRUNCATED in item.headers:
                truncated.append(item)
                continue
            headers = [(k, v.encode()) for k, v in item.headers.items() if k not in DLT_HEADERS]
            await (await producer.send(topic, record.value, key=record.key, headers=headers))
            moved_by[tp].add(record.offset)
            await consumer.commit({tp: moved_by[tp].commit()})
            moved.append(item)
        return Redrive(moved, before, truncated)
    finally:
        await producer.stop()
        await stop(consumer)
        await admin.close()
