"""The outbox relay on the real servers: it publishes what writers point it at without reading
whole collections, keeps each key's order, finds at start what a crash left behind, and outlives
its store going away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from academy_kit.mongo import Document, document_lock
from academy_kit.outbox import OUTBOX, OutboxRelay
from academy_kit.settings import ServiceSettings
from academy_local import processes
from academy_local import servers as local
from academy_local.probes import mongo_answers

pytestmark = pytest.mark.integration

# A store of its own, on a port below the ephemeral range (32768-60999: a port there can be held
# by any outgoing connection, and FerretDB then fails to bind), so stopping it disturbs nobody.
STORE_STACK = local.Stack("relay-store", kafka_port=0, controller_port=0, mongo_port=26110)
FERRETDB_PID = STORE_STACK.state_dir / "ferretdb.pid"


def entry(topic: str, key: str, n: int) -> Document:
    """An outbox entry as :func:`academy_kit.outbox.entries` makes them, on a test topic."""
    return {
        "event_id": f"{key}-{n}",
        "type": "test.event",
        "topic": topic,
        "key": key.encode(),
        "value": f"{key}:{n}".encode(),
        "headers": {"ce_id": f"{key}-{n}"},
    }


async def new_topic(bootstrap: str, uid: str) -> str:
    topic = f"test.relay.{uid}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    return topic


@contextlib.asynccontextmanager
async def relaying(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(relay.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def sweeps(service: str) -> float:
    return REGISTRY.get_sample_value("academy_outbox_sweeps_total", {"service": service}) or 0.0


async def published_values(
    topic_records: Any, bootstrap: str, topic: str, expect: int
) -> dict[bytes, list[bytes]]:
    """The values on ``topic`` by key, in the order each partition holds them."""
    records = await topic_records(bootstrap, topic, lambda _: True, expect=expect)
    by_key: dict[bytes, list[bytes]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key.setdefault(record.key, []).append(record.value)
    return by_key


async def test_kicked_documents_are_published_in_key_order_and_cleared_without_a_sweep(
    servers: Any, uid: str, topic_records: Any, eventually: Any
) -> None:
    topic = await new_topic(servers.kafka_bootstrap, uid)
    settings = ServiceSettings(
        service_name=f"relay-{uid}",
        kafka_bootstrap_servers=servers.kafka_bootstrap,
        mongodb_uri=servers.mongodb_uri,
        database=f"t_relay_{uid}",
        outbox_sweep_seconds=3600,
        outbox_batch=7,  # several batches, so order must hold across them too
    )
    client: AsyncMongoClient[Document] = AsyncMongoClient(servers.mongodb_uri)
    collection = client[settings.database_name]["things"]
    relay = OutboxRelay(client[settings.database_name], ["things", "others"], settings)
    try:
        async with relaying(relay) as task:
            await eventually(lambda: asyncio.sleep(0, sweeps(settings.service_name) == 1))
            for n in range(20):
                # Two documents share key "k<n % 5>"; each holds several entries of its key.
                key = f"k{n % 5}"
                first = [entry(topic, key, 100 * n + i) for i in range(3)]
                await collection.insert_one({"_id": f"d{n}", OUTBOX: first})
                relay.kick("things", f"d{n}")
            await collection.update_one(
                {"_id": "d0"}, {"$push": {OUTBOX: {"$each": [entry(topic, "k0", 3)]}}}
            )
            relay.kick("things", "d0")

            async def all_cleared() -> bool:
                return await collection.count_documents({"outbox.0": {"$exists": True}}) == 0

            await eventually(all_cleared)
            assert not task.done()
            assert sweeps(settings.service_name) == 1  # only the one at start
        by_key = await published_values(topic_records, servers.kafka_bootstrap, topic, expect=61)
        for k in range(5):
            values = by_key[f"k{k}".encode()]
            assert len(values) == len(set(values))
            numbers = [int(v.split(b":")[1]) for v in values]
            for n in range(k, 20, 5):
                mine = [x for x in numbers if x // 100 == n]
                assert mine == [100 * n, 100 * n + 1, 100 * n + 2] + ([3] if n == 0 else [])
        assert sum(map(len, by_key.values())) == 61
        with pytest.raises(ValueError, match="collection"):
            relay.kick("unknown", "d0")
    finally:
        await client.drop_database(settings.database_name)
        await client.close()


async def test_entries_left_by_a_crash_are_published_at_start(
    servers: Any, uid: str, topic_records: Any, eventually: Any
) -> None:
    topic = await new_topic(servers.kafka_bootstrap, uid)
    settings = ServiceSettings(
        service_name=f"relay-{uid}",
        kafka_bootstrap_servers=servers.kafka_bootstrap,
        mongodb_uri=servers.mongodb_uri,
        database=f"t_relay_{uid}",
        outbox_sweep_seconds=3600,
    )
    client: AsyncMongoClient[Document] = AsyncMongoClient(servers.mongodb_uri)
    db = client[settings.database_name]
    try:
        # Written, never kicked: as if the process died right after the write.
        await db["a"].insert_one({"_id": "x", OUTBOX: [entry(topic, "x", 1), entry(topic, "x", 2)]})
        await db["b"].insert_one({"_id": "y", "state": "kept", OUTBOX: [entry(topic, "y", 1)]})
        await db["b"].insert_one({"_id": "z", "state": "no events"})
        async with relaying(OutboxRelay(db, ["a", "b"], settings)):

            async def cleared() -> bool:
                docs = [d async for d in db["a"].find({})] + [d async for d in db["b"].find({})]
                return all(not d.get(OUTBOX) for d in docs)

            await eventually(cleared)
        by_key = await published_values(topic_records, servers.kafka_bootstrap, topic, expect=3)
        assert by_key == {b"x": [b"x:1", b"x:2"], b"y": [b"y:1"]}
        assert await db["b"].find_one({"_id": "y"}) == {"_id": "y", "state": "kept", OUTBOX: []}
    finally:
        await client.drop_database(settings.database_name)
        await client.close()


async def test_entries_written_while_the_relay_reads_are_each_published_once(
    servers: Any, uid: str, topic_records: Any, eventually: Any
) -> None:
    """The relay reads a kicked document without its lock. Writers append under the lock, kick
    twice (as a write that changed nothing used to), and sweeps read whole collections meanwhile:
    still each entry is published once, since only the relay removes entries, by value, one drain
    at a time (issue 12 suspected this read of duplicates that were another service's events)."""
    topic = await new_topic(servers.kafka_bootstrap, uid)
    settings = ServiceSettings(
        service_name=f"relay-{uid}",
        kafka_bootstrap_servers=servers.kafka_bootstrap,
        mongodb_uri=servers.mongodb_uri,
        database=f"t_relay_{uid}",
        outbox_sweep_seconds=0.3,
    )
    client: AsyncMongoClient[Document] = AsyncMongoClient(servers.mongodb_uri)
    collection = client[settings.database_name]["things"]
    relay = OutboxRelay(client[settings.database_name], ["things"], settings)
    documents, writes = 4, 25

    async def write(d: int) -> None:
        for n in range(writes):
            async with document_lock(collection, f"d{d}"):
                await collection.update_one(
                    {"_id": f"d{d}"}, {"$push": {OUTBOX: entry(topic, f"k{d}", n)}}, upsert=True
                )
            relay.kick("things", f"d{d}")
            relay.kick("things", f"d{d}")

    try:
        async with relaying(relay):
            await asyncio.gather(*(write(d) for d in range(documents)))

            async def all_cleared() -> bool:
                return await collection.count_documents({"outbox.0": {"$exists": True}}) == 0

            await eventually(all_cleared)
        by_key = await published_values(
            topic_records, servers.kafka_bootstrap, topic, expect=documents * writes
        )
        assert by_key == {
            f"k{d}".encode(): [f"k{d}:{n}".encode() for n in range(writes)]
            for d in range(documents)
        }
    finally:
        await client.drop_database(settings.database_name)
        await client.close()


@pytest.fixture
def own_store() -> Any:
    local.down(STORE_STACK, wipe=True)
    local.start_ferretdb(STORE_STACK)
    yield STORE_STACK
    local.down(STORE_STACK, wipe=True)


async def test_the_relay_outlives_its_store_going_away_and_coming_back(
    servers: Any,
    uid: str,
    own_store: local.Stack,
    topic_records: Any,
    eventually: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = await new_topic(servers.kafka_bootstrap, uid)
    settings = ServiceSettings(
        service_name=f"relay-{uid}",
        kafka_bootstrap_servers=servers.kafka_bootstrap,
        mongodb_uri=own_store.mongodb_uri,
        outbox_poll_seconds=0.2,
        outbox_retry_max_seconds=1,
        outbox_sweep_seconds=3600,
    )
    await eventually(lambda: mongo_answers(own_store.mongodb_uri), timeout=60)
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        own_store.mongodb_uri, serverSelectionTimeoutMS=500
    )
    collection = client["relay"]["things"]
    caplog.set_level(logging.INFO, logger="academy_kit.outbox")
    relay = OutboxRelay(client["relay"], ["things"], settings)

    async def published(document_id: str) -> bool:
        doc = await collection.find_one({"_id": document_id})
        return doc is not None and doc[OUTBOX] == []

    try:
        async with relaying(relay) as task:
            await collection.insert_one({"_id": "before", OUTBOX: [entry(topic, "before", 1)]})
            relay.kick("things", "before")
            await eventually(lambda: published("before"))

            processes.stop(FERRETDB_PID)
            await eventually(lambda: asyncio.sleep(0, not FERRETDB_PID.exists()))
            # The store is gone: the relay's read of a kicked document fails, again and again.
            relay.kick("things", "after")
            await eventually(lambda: asyncio.sleep(0, "cannot reach the store" in caplog.text))
            assert not task.done()

            local.start_ferretdb(own_store)
            await eventually(lambda: mongo_answers(own_store.mongodb_uri), timeout=60)
            await collection.insert_one({"_id": "after", OUTBOX: [entry(topic, "after", 1)]})
            relay.kick("things", "after")
            await eventually(lambda: published("after"))
            await eventually(lambda: asyncio.sleep(0, "relay resumed" in caplog.text))
            assert not task.done()
        by_key = await published_values(topic_records, servers.kafka_bootstrap, topic, expect=2)
        assert by_key == {b"before": [b"before:1"], b"after": [b"after:1"]}
    finally:
        await client.close()
