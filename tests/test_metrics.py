"""The figures operators look at first move with what they measure (issue 18).

- Outbox age: registration runs as its own process with its broker address behind a door this
  test opens when it wants (a TCP forwarder to the real Kafka; nothing listens before). While
  the door is shut, an edition's events wait in the outbox and ``academy_outbox_oldest_seconds``
  on the process's ``/metrics`` grows; once open, the relay publishes and it falls to 0.
- Consumer lag: a consumer built by the kit in this process, in a group of its own, whose
  handler holds the first of the edition's three events until the test lets it go: meanwhile
  ``academy_consumer_lag`` counts it and the two behind it on their partition, then 0; FastStream's
  Prometheus middleware has timed each record handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from academy_contracts.envelope import Envelope
from academy_contracts.events import EditionPublished, IntegrationEvent
from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.settings import ServiceSettings
from tests.support.observe import start_at_the_end
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.integration

OUT = Path(__file__).resolve().parents[1] / ".cache" / "metrics"


class Door:
    """A TCP forwarder from ``port`` to the broker, listening only once opened."""

    def __init__(self, port: int, target: str) -> None:
        self.port = port
        host, target_port = target.rsplit(":", 1)
        self._target = (host, int(target_port))
        self._server: asyncio.Server | None = None

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


def _samples(text: str, name: str, **labels: str) -> list[float]:
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    ]


async def _until(probe: Callable[[], Awaitable[Any]], what: str, timeout: float = 60.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (found := await probe()):
        assert loop.time() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.2)
    return found


@contextlib.asynccontextmanager
async def _holding_consumer(
    bootstrap: str, uid: str, edition_id: str
) -> AsyncIterator[tuple[ServiceSettings, asyncio.Event]]:
    """A kit consumer of the editions topic whose handler holds ``edition_id``'s first event
    until the event it yields is set; its lag measured every 0.2 s."""
    settings = ServiceSettings(
        service_name=f"lag-{uid}",
        kafka_bootstrap_servers=bootstrap,
        consumer_group=f"t-lag-{uid}",
        consumer_lag_seconds=0.2,
    )
    await start_at_the_end(bootstrap, settings.group_id)
    release = asyncio.Event()

    async def hold(envelope: Envelope[IntegrationEvent]) -> None:
        if isinstance(envelope.data, EditionPublished) and envelope.data.edition_id == edition_id:
            await release.wait()

    broker = consumer.broker_for(settings)
    consumer.subscribe(broker, Topic.EDITIONS, settings, hold)
    lag = functools.partial(consumer.measure_lag, broker, settings)
    try:
        async with consumer.running(broker), web.background(consumer_lag=lag):
            yield settings, release
    finally:
        release.set()


async def test_outbox_age_and_consumer_lag_move_with_what_they_measure(
    servers: Any,
    free_port: Callable[[], int],
    edition_form: Callable[..., dict[str, Any]],
    staff_headers: Callable[..., dict[str, str]],
) -> None:
    uid = uuid.uuid4().hex[:8]
    door = Door(free_port(), servers.kafka_bootstrap)
    registration = ServiceProcess(
        "registration",
        free_port(),
        {
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{door.port}",
            "MONGODB_URI": servers.mongodb_uri,
            "ACADEMY_ENV": "development",
            "ACADEMY_DATABASE": f"t_met_{uid}",
            "ACADEMY_CONSUMER_GROUP": f"t-met-{uid}",
            "ACADEMY_SEED_FIRST_EDITION": "false",
            "ACADEMY_LOG_LEVEL": "WARNING",
            "ACADEMY_OUTBOX_POLL_SECONDS": "0.2",
            "ACADEMY_OUTBOX_RETRY_MAX_SECONDS": "0.5",
        },
        OUT / f"registration-{uid}.log",
    )
    edition_id = f"met-{uid}"
    form = edition_form(edition_id)
    admin = staff_headers("admin")
    registration.start()
    try:
        await registration.wait_live()
        async with (
            _holding_consumer(servers.kafka_bootstrap, uid, edition_id) as (settings, release),
            httpx.AsyncClient(base_url=registration.url, timeout=10) as api,
        ):

            async def outbox(name: str) -> float:
                text = (await api.get("/metrics")).text
                return sum(_samples(text, name, service="registration"))

            def lag() -> float:
                text = generate_latest(REGISTRY).decode()
                return sum(
                    _samples(
                        text,
                        "academy_consumer_lag",
                        group=settings.group_id,
                        topic=Topic.EDITIONS.value,
                    )
                )

            async def assigned() -> bool:
                text = generate_latest(REGISTRY).decode()
                return bool(_samples(text, "academy_consumer_lag", group=settings.group_id))

            # A group joins slowly on a loaded broker: measure only once it holds partitions.
            await _until(assigned, "the held consumer is given its partitions", timeout=180)
            created = await api.post("/v1/editions", json=form, headers=admin)
            assert created.status_code == 201, created.text
            changes = {k: v for k, v in form.items() if k != "edition_id"}
            for capacity in (11, 12):
                changed = await api.put(
                    f"/v1/editions/{edition_id}",
                    json={**changes, "capacity": capacity},
                    headers=admin,
                )
                assert changed.status_code == 200, changed.text

            async def waiting() -> float:
                return await outbox("academy_outbox_oldest_seconds")

            first: float = await _until(waiting, "the outbox reports its oldest event waiting")

            async def older() -> bool:
                return await waiting() > first + 1

            await _until(older, "the oldest event's age grows while Kafka is away")
            assert await outbox("academy_outbox_pending") >= 3

            await door.open()

            async def published() -> bool:
                return await waiting() == 0 and await outbox("academy_outbox_pending") == 0

            await _until(published, "the relay publishes once Kafka answers")

            async def behind() -> bool:
                return lag() >= 3

            await _until(behind, "the lag counts the held event and the two behind it", 180)
            release.set()

            async def caught_up() -> bool:
                return lag() == 0

            await _until(caught_up, "the lag falls to 0 once the consumer moves")
            handled = _samples(
                generate_latest(REGISTRY).decode(),
                "faststream_received_processed_messages_duration_seconds_count",
                app_name=settings.service_name,
            )
            assert sum(handled) >= 3, "FastStream's middleware timed each handled record"
    finally:
        registration.stop()
        await door.close()
