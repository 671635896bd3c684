"""The consumers' failure policy on the real servers (issue 12): a record that cannot be decoded
is dead-lettered at once and the records after it on its partition are handled; an event whose
handler keeps failing is dead-lettered after its tries; while the store is down a consumer tries
again at a bounded rate and, once the store is back, has lost nothing.

Each test runs a small FastStream app built with :mod:`academy_kit.consumer` alone, in a consumer
group of its own, on ``academy.applications`` with keys of its own (so one partition)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationWithdrawn, IntegrationEvent
from academy_contracts.registry import Topic, dead_letter_topic, spec_for
from academy_kit import consumer, health
from academy_kit.consumer import Handler
from academy_kit.settings import ServiceSettings
from academy_local import processes
from academy_local import servers as local
from academy_local.probes import mongo_answers

pytestmark = pytest.mark.integration

# A store of this test module's own (ports of branch harden12), so stopping it disturbs no one.
STORE = local.Stack("consumer-faults", kafka_port=29192, controller_port=29193, mongo_port=27217)


def _settings(servers: Any, uid: str, **overrides: Any) -> ServiceSettings:
    fields: dict[str, Any] = {
        "service_name": f"faults{uid}",
        "kafka_bootstrap_servers": servers.kafka_bootstrap,
        "mongodb_uri": servers.mongodb_uri,
        "consumer_group": f"t-faults-{uid}",
        "consumer_attempts": 3,
        "consumer_retry_seconds": 0.05,
        "consumer_retry_max_seconds": 0.2,
    }
    return ServiceSettings(**{**fields, **overrides})


@asynccontextmanager
async def consuming(settings: ServiceSettings, handler: Handler) -> AsyncIterator[None]:
    broker = consumer.broker_for(settings)
    consumer.subscribe(broker, Topic.APPLICATIONS, settings, handler)
    async with consumer.running(broker):
        yield


def _withdrawn(key: str, n: int) -> Envelope[IntegrationEvent]:
    return Envelope(
        data=ApplicationWithdrawn(
            application_id=key,
            edition_id="ed",
            revision=n + 2,
            withdrawn_at=datetime.now(UTC),
        ),
        source="/tests",
    )


def _ce_headers() -> list[tuple[str, bytes]]:
    return [
        ("ce_type", spec_for(ApplicationWithdrawn).event_type.encode()),
        ("ce_specversion", b"1.0"),
        ("ce_id", b"poison"),
        ("ce_source", b"/tests"),
        ("content-type", b"application/json"),
    ]


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _kept(key: str, seen: list[str]) -> Handler:
    async def handle(envelope: Envelope[IntegrationEvent]) -> None:
        if envelope.subject == key:
            seen.append(envelope.id)

    return handle


async def test_undecodable_records_are_dead_lettered_and_the_partition_moves_on(
    servers: Any,
    uid: str,
    send: Any,
    eventually: Any,
    topic_records: Any,
    start_at_the_end: Any,
) -> None:
    settings = _settings(servers, uid)
    await start_at_the_end(settings, [Topic.APPLICATIONS])
    key = f"app-{uid}"
    # Valid JSON but no event, as large as the broker takes (message.max.bytes 1048588): its
    # dead-letter copy, with the dlt_* headers, is more than the producer's 1 MiB limit.
    huge = b'{"application_id": "' + b"x" * 1_047_778 + b'"}'
    producer = AIOKafkaProducer(
        bootstrap_servers=servers.kafka_bootstrap, max_request_size=2 * 1024 * 1024
    )
    await producer.start()
    try:
        for body in (b'{"not": "an application"', None, huge):
            await producer.send_and_wait(
                Topic.APPLICATIONS, body, key=key.encode(), headers=_ce_headers()
            )
    finally:
        await producer.stop()
    valid = [_withdrawn(key, n) for n in (1, 2, 3)]
    await send(*valid)

    seen: list[str] = []
    async with consuming(settings, _kept(key, seen)):
        await eventually(lambda: _holds(len(seen) == 3), timeout=60)
    assert seen == [e.id for e in valid]

    dead = await topic_records(
        servers.kafka_bootstrap,
        dead_letter_topic(Topic.APPLICATIONS),
        lambda r: dict(r.headers).get("dlt_consumer_group") == settings.group_id.encode(),
        expect=3,
    )
    assert [r.key for r in dead] == [key.encode()] * 3
    not_json, empty, cut = dead
    assert not_json.value == b'{"not": "an application"'
    assert b"empty body" in dict(empty.headers)["dlt_error"]
    headers = dict(cut.headers)
    assert headers["ce_type"] == spec_for(ApplicationWithdrawn).event_type.encode()  # headers kept
    assert headers["dlt_error"]
    assert f"body cut from {len(huge)} to".encode() in headers["dlt_truncated"]
    assert huge.startswith(cut.value)
    assert len(cut.value) < len(huge)
    dead_letters = "academy_events_dead_lettered_total"
    labels = {"service": settings.service_name, "topic": Topic.APPLICATIONS.value}
    assert _metric(dead_letters, **labels, reason="undecodable") == 3


async def test_an_event_that_keeps_failing_is_dead_lettered_after_its_tries_the_next_handled(
    servers: Any,
    uid: str,
    send: Any,
    eventually: Any,
    topic_records: Any,
    start_at_the_end: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = _settings(servers, uid)
    await start_at_the_end(settings, [Topic.APPLICATIONS])
    key = f"app-{uid}"
    first, bad, after = (_withdrawn(key, n) for n in (1, 2, 3))
    seen: list[str] = []
    tries_of_bad: list[str] = []

    async def handle(envelope: Envelope[IntegrationEvent]) -> None:
        if envelope.id == bad.id:
            tries_of_bad.append(envelope.id)
            raise RuntimeError("cannot render Mars/Olympus_Mons")
        await _kept(key, seen)(envelope)

    await send(first, bad, after)
    with caplog.at_level(logging.WARNING, logger="academy_kit.consumer"):
        async with consuming(settings, handle):
            await eventually(lambda: _holds(len(seen) == 2), timeout=60)
    assert seen == [first.id, after.id]
    assert len(tries_of_bad) == settings.consumer_attempts

    [dead] = await topic_records(
        servers.kafka_bootstrap,
        dead_letter_topic(Topic.APPLICATIONS),
        lambda r: dict(r.headers).get("dlt_consumer_group") == settings.group_id.encode(),
    )
    assert dict(dead.headers)["ce_id"] == bad.id.encode()
    assert dict(dead.headers)["dlt_error"] == b"RuntimeError: cannot render Mars/Olympus_Mons"
    labels = {"service": settings.service_name, "topic": Topic.APPLICATIONS.value}
    assert _metric("academy_events_retried_total", **labels, reason="failed") == 2
    assert _metric("academy_events_dead_lettered_total", **labels, reason="failed") == 1
    retries = [r for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == settings.consumer_attempts - 1  # one line per retry, no flood
    [final] = [r for r in caplog.records if "failed 3 times" in r.getMessage()]
    assert final.exc_info is not None  # the traceback is in the log once


@pytest.fixture
async def own_store(eventually: Any) -> AsyncIterator[local.Stack]:
    local.down(STORE, wipe=True)
    local.start_ferretdb(STORE)
    await eventually(lambda: mongo_answers(STORE.mongodb_uri), timeout=60)
    yield STORE
    local.down(STORE, wipe=True)


async def test_during_a_store_outage_tries_stay_bounded_and_nothing_is_lost(
    servers: Any,
    uid: str,
    send: Any,
    eventually: Any,
    start_at_the_end: Any,
    own_store: local.Stack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = _settings(
        servers,
        uid,
        mongodb_uri=own_store.mongodb_uri,
        consumer_retry_seconds=0.1,
        consumer_retry_max_seconds=0.5,
    )
    await start_at_the_end(settings, [Topic.APPLICATIONS])
    key = f"app-{uid}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        own_store.mongodb_uri, serverSelectionTimeoutMS=100
    )
    handled = client[f"t_faults_{uid}"]["handled"]
    tries: list[float] = []
    loop = asyncio.get_running_loop()

    async def handle(envelope: Envelope[IntegrationEvent]) -> None:
        if envelope.subject != key:
            return
        tries.append(loop.time())
        with contextlib.suppress(DuplicateKeyError):  # a redelivery: already handled
            await handled.insert_one({"_id": envelope.id})

    async def stored() -> int:
        return await handled.count_documents({})

    before = [_withdrawn(key, n) for n in range(5)]
    during = [_withdrawn(key, n) for n in range(5, 15)]
    status = health.Health(settings.service_name)
    part = f"consumer {settings.group_id}"
    try:
        with health.scope(status), caplog.at_level(logging.WARNING, "academy_kit.consumer"):
            async with consuming(settings, handle):
                await send(*before)
                await eventually(lambda: _holds(len(tries) == 5), timeout=60)
                processes.stop(own_store.state_dir / "ferretdb.pid")
                outage_started = loop.time()
                await send(*during)
                await eventually(lambda: _holds(part in status.stuck()), timeout=60)
                tries_before_restart = len(tries)
                local.start_ferretdb(own_store)
                outage_seconds = loop.time() - outage_started
                await eventually(lambda: _holds(part not in status.stuck()), timeout=60)
                await eventually(lambda: _is(stored, 15), timeout=60)
    finally:
        await client.close()

    # Without backoff every try fails in 0.1 s (the client's server selection timeout), so a
    # hot loop would make ~outage/0.1 tries; with it, after the delays 0.1, 0.2, 0.4 each try
    # waits 0.5 s at least.
    outage_tries = tries_before_restart - 5
    assert outage_tries >= consumer.STUCK_AFTER_TRIES
    assert outage_tries <= outage_seconds / settings.consumer_retry_max_seconds + 4
    unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(unreachable) <= outage_seconds / settings.consumer_retry_max_seconds + 4
    labels = {"service": settings.service_name, "topic": Topic.APPLICATIONS.value}
    assert _metric("academy_events_dead_lettered_total", **labels, reason="failed") == 0
    assert _metric("academy_events_retried_total", **labels, reason="unreachable") >= 5


async def _is(count: Callable[[], Any], expected: int) -> bool:
    return bool(await count() == expected)


async def _holds(condition: bool) -> bool:
    """``condition``, for :func:`eventually`, which awaits what its probe returns."""
    return condition
