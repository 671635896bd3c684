"""The ``academy`` command on the real servers: ``tail`` decodes and filters, a poison event is
dead-lettered, listed with its error, redriven once (and not twice) and then handled once, and
``outbox`` counts what a service has not yet published.

Each test works with keys, a consumer group and a database of its own on the shared topics, and
runs the command as an operator would (Click's runner, in a thread, since it runs its own event
loop)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from click.testing import CliRunner, Result
from pymongo import AsyncMongoClient

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationWithdrawn, IntegrationEvent, LinkRequested
from academy_contracts.registry import Topic
from academy_kit import consumer
from academy_kit.consumer import Handler
from academy_kit.mongo import Document
from academy_kit.outbox import entries
from academy_kit.settings import ServiceSettings
from academy_local.servers import start_at_the_end
from academy_ops import outbox
from academy_ops.cli import main

pytestmark = pytest.mark.integration

TOPIC = Topic.APPLICATIONS.value


def _withdrawn(key: str, revision: int, at: datetime | None = None) -> Envelope[IntegrationEvent]:
    now = datetime.now(UTC)
    return Envelope(
        data=ApplicationWithdrawn(
            application_id=key, edition_id="ed", revision=revision, withdrawn_at=now
        ),
        source="/tests",
        time=at or now,
    )


def _link_requested(key: str) -> Envelope[IntegrationEvent]:
    return Envelope(
        data=LinkRequested(
            application_id=key,
            edition_id="ed",
            email="p0@example.org",
            requested_at=datetime.now(UTC),
        ),
        source="/tests",
    )


async def _publish(bootstrap: str, *envelopes: Envelope[IntegrationEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            record = envelope.to_kafka()
            headers = [(k, v.encode()) for k, v in record.headers.items()]
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=headers
            )
    finally:
        await producer.stop()


async def _academy(servers: Any, *args: str) -> Result:
    env = {"KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap, "MONGODB_URI": servers.mongodb_uri}
    result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def _json_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


async def test_tail_decodes_the_events_and_filters_them(servers: Any, uid: str) -> None:
    key, other = f"app-tail-{uid}", f"app-other-{uid}"
    since = datetime.now(UTC) - timedelta(seconds=1)
    link, noise, withdrawn = _link_requested(key), _withdrawn(other, 2), _withdrawn(key, 3)
    await _publish(servers.kafka_bootstrap, link, noise, withdrawn)
    start = since.isoformat()

    by_key = _json_lines(
        await _academy(
            servers, "tail", TOPIC, "--since", start, "--key", key, "--max", "2", "--json"
        )
    )
    by_type = _json_lines(
        await _academy(
            servers, "tail", TOPIC, "--since", start, "--key", key, "--type", "withdrawn",
            "--max", "1", "--json",
        )
    )  # fmt: skip

    assert [(e["id"], e["type"]) for e in by_key] == [
        (link.id, "org.euromed.academy.link.requested.v1"),
        (withdrawn.id, "org.euromed.academy.application.withdrawn.v1"),
    ]
    assert by_key[0]["body"]["email"] == "p0@example.org"
    assert by_key[1]["subject"] == key
    assert by_key[1]["body"]["revision"] == 3
    assert [e["id"] for e in by_type] == [withdrawn.id]
    text = await _academy(servers, "tail", TOPIC, "--since", start, "--key", key, "--max", "1")
    assert f"id={link.id}  key={key}" in text.output


@asynccontextmanager
async def _consuming(settings: ServiceSettings, handler: Handler) -> AsyncIterator[None]:
    await start_at_the_end(settings.kafka_bootstrap_servers, settings.group_id, [TOPIC])
    broker = consumer.broker_for(settings)
    consumer.subscribe(broker, Topic.APPLICATIONS, settings, handler)
    async with consumer.running(broker):
        yield


async def test_a_dead_letter_is_listed_redriven_once_and_handled_once(
    servers: Any, uid: str, eventually: Any
) -> None:
    key = f"app-dlt-{uid}"
    settings = ServiceSettings(
        service_name=f"ops{uid}",
        kafka_bootstrap_servers=servers.kafka_bootstrap,
        mongodb_uri=servers.mongodb_uri,
        consumer_group=f"t-ops-{uid}",
        consumer_attempts=1,
    )
    broken = True
    handled: list[str] = []

    async def handler(envelope: Envelope[IntegrationEvent]) -> None:
        if envelope.subject != key:
            return
        if broken:
            raise RuntimeError("the address book is missing")
        handled.append(envelope.id)

    poison, after = _withdrawn(key, 2), _withdrawn(key, 3)
    async with _consuming(settings, handler):
        await _publish(servers.kafka_bootstrap, poison)

        async def listed() -> list[dict[str, Any]]:
            return _json_lines(
                await _academy(servers, "dlt", "list", TOPIC, "--key", key, "--json")
            )

        [letter] = await eventually(listed)
        assert letter["id"] == poison.id
        assert letter["dlt_error"] == "RuntimeError: the address book is missing"
        assert letter["dlt_consumer_group"] == settings.group_id
        assert letter["dlt_topic"] == TOPIC

        broken = False
        group = f"t-ops-redrive-{uid}"
        first = await _academy(
            servers, "dlt", "redrive", TOPIC, "--id", poison.id, "--group", group
        )
        second = await _academy(
            servers, "dlt", "redrive", TOPIC, "--id", poison.id, "--group", group
        )
        await _publish(servers.kafka_bootstrap, after)

        async def both_handled() -> bool:
            return after.id in handled

        await eventually(both_handled)

    assert f"moved {poison.type} id={poison.id}" in first.output
    assert "1 moved to academy.applications, 0 already moved before" in first.output
    assert "0 moved to academy.applications, 1 already moved before" in second.output
    assert handled == [poison.id, after.id]


async def test_outbox_counts_what_each_service_has_not_published(servers: Any, uid: str) -> None:
    database = f"t_ops_{uid}"
    now = datetime.now(UTC)
    oldest = now - timedelta(minutes=5)
    client: AsyncMongoClient[Document] = AsyncMongoClient(servers.mongodb_uri, tz_aware=True)
    try:
        db = client[database]
        await db["applications"].insert_many(
            [
                {"_id": "a", "outbox": entries([_withdrawn("a", 2, oldest), _withdrawn("a", 3)])},
                {"_id": "b", "outbox": []},
            ]
        )
        await db["editions"].insert_one(
            {"_id": "e", "outbox": entries([_withdrawn("e", 2, now - timedelta(minutes=1))])}
        )
        await client[f"{database}_empty"]["things"].insert_one({"_id": "x"})

        found = await outbox.backlogs(servers.mongodb_uri, [database, f"{database}_empty"])
        shown = await _academy(servers, "outbox", "--database", database)
    finally:
        await client.drop_database(database)
        await client.drop_database(f"{database}_empty")
        await client.close()

    assert [(b.database, b.pending) for b in found] == [(database, 3), (f"{database}_empty", 0)]
    assert found[0].oldest == oldest
    assert found[1].oldest is None
    assert shown.output.startswith(database)
    assert " 3 pending   oldest " in shown.output
