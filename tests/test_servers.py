"""The servers the suite runs on are the real ones: a Kafka broker answering the Kafka protocol
and a MongoDB-wire server; when the project starts them, each is its own process."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient, UpdateOne

from academy_contracts.registry import all_topics
from academy_local import builds, processes
from academy_local import servers as local

pytestmark = pytest.mark.integration


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


async def test_kafka_is_a_real_broker_with_the_registry_topics(servers: Any) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=servers.kafka_bootstrap)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        topics = set(await admin.list_topics())
    finally:
        await admin.close()
    assert cluster["brokers"]
    assert set(all_topics()) <= topics


async def test_the_store_speaks_the_mongodb_wire_protocol(servers: Any) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb_uri)
    try:
        hello = await client.admin.command("hello")
        build = await client.admin.command("buildInfo")
    finally:
        await client.close()
    assert hello["maxWireVersion"] >= 17
    assert build["version"]


def test_local_servers_are_their_own_processes_and_up_is_idempotent(servers: Any) -> None:
    stack = local.suite_stack(os.environ.get("PYTEST_XDIST_WORKER"))
    if servers.origin != "local processes":
        assert servers.origin in {"environment", "testcontainers"}
        return
    pids = local.is_running(stack)
    kafka_pid, ferretdb_pid = pids["kafka"], pids["ferretdb"]
    assert kafka_pid is not None
    assert ferretdb_pid is not None
    kafka_cmd = _cmdline(kafka_pid)
    assert Path(kafka_cmd[0]).name == "java"
    assert "kafka.Kafka" in kafka_cmd
    assert Path(_cmdline(ferretdb_pid)[0]).name == "ferretdb"
    asyncio.run(local.up(stack))
    assert local.is_running(stack) == pids


async def test_the_embedded_store_finds_a_document_by_id_through_its_index(
    servers: Any, uid: str
) -> None:
    """FerretDB 1.24 as released reads the whole table for a lookup by ``_id`` (its query and its
    index name the ``_id`` two ways); the project builds it so the two agree
    (``academy_local.builds.ID_LOOKUP``). MongoDB always finds by its ``_id`` index."""
    if servers.origin != "local processes":
        return
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb_uri)
    try:
        db = client[f"probe_{uid}"]
        await db["documents"].insert_many([{"_id": f"d{n}", "n": n} for n in range(50)])
        explained = await db.command("explain", {"find": "documents", "filter": {"_id": "d7"}})
        found = await db["documents"].find_one({"_id": "d7"})
        await client.drop_database(db.name)
    finally:
        await client.close()
    assert found == {"_id": "d7", "n": 7}
    plan = " ".join(explained["queryPlanner"]["Plan"])
    assert "USING INDEX" in plan, plan
    assert "__id_" in plan, plan


async def test_the_embedded_store_takes_a_bulk_of_more_updates_than_its_connections(
    servers: Any, uid: str
) -> None:
    """FerretDB 1.24 as released keeps each statement's read of one ``update`` command until the
    command ends: 101 updates of existing documents in one bulk write took all 100 SQLite
    connections of the database and waited for a 101st for good, the database with them. The
    project builds it so each statement releases its read
    (``academy_local.builds.UPDATE_RELEASES_ITS_READ``); the outbox relay clears its published
    documents in one such bulk write."""
    count = 150
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        servers.mongodb_uri, socketTimeoutMS=60_000
    )
    try:
        db = client[f"probe_{uid}"]
        await db["documents"].insert_many([{"_id": f"d{n}", "n": n} for n in range(count)])
        result = await db["documents"].bulk_write(
            [UpdateOne({"_id": f"d{n}"}, {"$set": {"n": -n}}) for n in range(count)],
            ordered=False,
        )
        changed = await db["documents"].count_documents({"n": {"$lt": 0}})
        await client.drop_database(db.name)
    finally:
        await client.close()
    assert result.modified_count == count - 1  # d0's n is 0 either way
    assert changed == count - 1


def test_a_store_running_from_an_earlier_build_is_restarted_from_this_one(
    tmp_path: Path,
) -> None:
    """A stack started before the build changed (other patches) would keep the old binary, and
    the suite would pass or fail on it: ``start_ferretdb`` stops it and starts this build, on
    the same data."""
    stack = local.Stack("stale-build", kafka_port=0, controller_port=0, mongo_port=26120)
    binary = builds.ferretdb_binary()
    earlier = tmp_path / "ferretdb"
    shutil.copyfile(binary, earlier)
    earlier.chmod(0o755)
    local.down(stack, wipe=True)
    stack.state_dir.mkdir(parents=True)
    pid_file = stack.state_dir / "ferretdb.pid"
    data = f"--sqlite-dir={stack.state_dir / 'ferretdb-data'}"
    listen = f"--listen-addr=127.0.0.1:{stack.mongo_port}"
    try:
        stale = processes.start_detached(
            [str(earlier), listen, data], pid_file=pid_file, log_file=tmp_path / "log", cwd=tmp_path
        )
        local.start_ferretdb(stack)
        current = processes.running_pid(pid_file)
        assert current is not None
        assert current != stale
        assert Path(f"/proc/{current}/exe").resolve() == binary.resolve()
        assert not Path(f"/proc/{stale}").exists() or _cmdline(stale) == [""]
        local.start_ferretdb(stack)  # this build already runs: left alone
        assert processes.running_pid(pid_file) == current
    finally:
        local.down(stack, wipe=True)
