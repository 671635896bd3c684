"""``academy tail``: the events on a topic as they arrive, or since a moment, decoded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from academy_ops.records import (
    Decoded,
    bootstrap_consumer,
    decode,
    matches,
    partitions_of,
    stop,
)


async def tail(
    bootstrap: str,
    topic: str,
    *,
    types: Sequence[str] = (),
    keys: Sequence[str] = (),
    since: datetime | None = None,
    limit: int | None = None,
) -> AsyncIterator[Decoded]:
    """The records of ``topic`` that pass the filters, from ``since`` (Kafka's own time index:
    a seek, not a scan) or from now on, until ``limit`` of them were given or forever."""
    consumer = bootstrap_consumer(bootstrap)
    await consumer.start()
    try:
        partitions = await partitions_of(bootstrap, topic)
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = dict(ends)
        if since is not None:
            found = await consumer.offsets_for_times(
                {tp: int(since.timestamp() * 1000) for tp in partitions}
            )
            starts = {tp: at.offset if at else ends[tp] for tp, at in found.items()}
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        given = 0
        while limit is None or given < limit:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    item = decode(record)
                    if matches(item, types, keys):
                        yield item
                        given += 1
                        if limit is not None and given >= limit:
                            return
    finally:
        await stop(consumer)
