"""Test fixtures shared by the whole suite: the real servers and ways to run the services.

The servers come, in order, from ``KAFKA_BOOTSTRAP_SERVERS`` + ``MONGODB_URI``; from
testcontainers when a Docker engine answers; otherwise from the project's own local stack
(Kafka as a ``java kafka.Kafka`` process, FerretDB as its own process), started here and stopped
at the end if this session started it. No test skips for want of a server.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_contracts.registry import spec_for_type
from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from academy_local import servers as local
from academy_local.samples import edition_form as edition_form_of

T = TypeVar("T")

# Every service built in this process runs as on a developer's machine (development secrets
# accepted, no rate limit on anonymous writes) unless a test says otherwise.
os.environ.setdefault("ACADEMY_ENV", "development")
os.environ.setdefault("ACADEMY_ANONYMOUS_WRITES_PER_MINUTE", "0")

# Property tests draw many examples in the full suite and a few in the fast tier
# (`make test-fast` sets HYPOTHESIS_PROFILE=fast), which must stay within seconds.
hypothesis_settings.register_profile("full", max_examples=150)
hypothesis_settings.register_profile("fast", max_examples=10)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "full"))


FAST_TIER = "not integration and not processes"
"""The marker expression of the fast tier (`make test-fast`)."""

_INTEGRATION_MODULE = re.compile(r"^pytestmark = \[?pytest\.mark\.integration\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In the fast tier, leave out the modules marked integration as a whole without importing
    them: every test in them would be deselected anyway, and importing them (the fuzzer building
    every service's OpenAPI document, the browser driver) was most of the tier's time."""
    if config.getoption("markexpr") != FAST_TIER or collection_path.suffix != ".py":
        return None
    if _INTEGRATION_MODULE.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run in pytest-xdist workers tests that share a node id (Schemathesis gives one
    to all the operations of a schema): the workers' schedulers key their work by node id and
    would run only the first of them, and report the rest as nothing at all."""
    if not config.getoption("numprocesses", default=None):
        return
    counted = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, times in counted.items() if times > 1)
    if shared:
        raise pytest.UsageError(
            "these tests share a node id, and in parallel workers only the first would run; "
            f"run them without -n: {', '.join(shared)}"
        )


@dataclass(frozen=True)
class Servers:
    kafka_bootstrap: str
    mongodb_uri: str
    origin: str


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _from_testcontainers(stack: ExitStack) -> Servers:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    kafka = stack.enter_context(KafkaContainer("confluentinc/cp-kafka:7.7.1"))
    mongo = stack.enter_context(MongoDbContainer("mongo:7"))
    return Servers(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    env_kafka, env_mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    with ExitStack() as stack:
        if env_kafka and env_mongo:
            found = Servers(env_kafka, env_mongo, "environment")
        elif _docker_answers():
            found = _from_testcontainers(stack)
        else:
            stack_def = local.suite_stack(os.environ.get("PYTEST_XDIST_WORKER"))
            already = all(local.is_running(stack_def).values())
            asyncio.run(local.up(stack_def))
            if not already:
                stack.callback(local.down, stack_def, wipe=True)
            found = Servers(stack_def.kafka_bootstrap, stack_def.mongodb_uri, "local processes")
        asyncio.run(local.create_topics(found.kafka_bootstrap, local.STACKS["test"].partitions))
        yield found


@pytest.fixture
def uid() -> str:
    """A short unique id: per-test database names, consumer groups and editions."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def service_settings(servers: Servers, uid: str) -> Callable[..., Any]:
    """Settings of a service class pointed at the suite's servers, with a database and consumer
    group of this test's own; keyword arguments override any field."""

    def build(cls: type[Any], **overrides: Any) -> Any:
        fields: dict[str, Any] = {
            "kafka_bootstrap_servers": servers.kafka_bootstrap,
            "mongodb_uri": servers.mongodb_uri,
            "database": f"t_{cls.__name__[:3].lower()}_{uid}",
            "consumer_group": f"t-{cls.__name__[:3].lower()}-{uid}",
            "outbox_poll_seconds": 0.2,
            "env": "development",
            "anonymous_writes_per_minute": 0,
        }
        return cls(**{**fields, **overrides})

    return build


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (its consumers and relay) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


@pytest.fixture
def run_app() -> Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]:
    return running


async def _eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30.0, interval: float = 0.2
) -> T:
    """Poll ``probe`` until it returns something truthy; fail with a clear message otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def _topic_records(
    bootstrap: str,
    topic: str,
    match: Callable[[ConsumerRecord[bytes, bytes]], bool],
    *,
    expect: int = 1,
    timeout: float = 20.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the beginning with an independent consumer and return the matching
    records: until ``expect`` are found (or ``timeout``), then one more second to catch any
    duplicate that should not be there."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    loop = asyncio.get_running_loop()
    try:
        deadline = loop.time() + timeout
        while len(found) < expect and loop.time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            found += [r for recs in batches.values() for r in recs if match(r)]
        batches = await consumer.getmany(timeout_ms=1000)
        found += [r for recs in batches.values() for r in recs if match(r)]
    finally:
        await consumer.stop()
    return found


async def _partitions(admin: AIOKafkaAdminClient, topics: list[str]) -> list[TopicPartition]:
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in await admin.describe_topics(topics)
        for partition in topic["partitions"]
    ]


async def _start_at_the_end(settings: ServiceSettings, topics: list[str]) -> None:
    """The service's consumer group reads ``topics`` from their current end: only what the test
    sends (see :func:`academy_local.servers.start_at_the_end`)."""
    await local.start_at_the_end(settings.kafka_bootstrap_servers, settings.group_id, topics)


async def _caught_up(settings: ServiceSettings, topics: list[str]) -> bool:
    """Whether the service's consumer group has committed every record now on ``topics``: a
    test that redelivers an event waits for this, then checks that nothing changed."""
    bootstrap = settings.kafka_bootstrap_servers
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        partitions = await _partitions(admin, topics)
        committed = await admin.list_consumer_group_offsets(settings.group_id)
        ends = await consumer.end_offsets(partitions)
        return all(p in committed and committed[p].offset >= ends[p] for p in partitions)
    finally:
        await consumer.stop()
        await admin.close()


@pytest.fixture
def caught_up() -> Callable[[ServiceSettings, list[str]], Awaitable[bool]]:
    return _caught_up


@pytest.fixture
def start_at_the_end() -> Callable[[ServiceSettings, list[str]], Awaitable[None]]:
    return _start_at_the_end


Send = Callable[..., Awaitable[list[Envelope[Any]]]]


@asynccontextmanager
async def _sending(bootstrap: str) -> AsyncIterator[Send]:
    """A sender of events to the broker at ``bootstrap`` (see :func:`send`)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()

    async def put(*items: IntegrationEvent | Envelope[Any]) -> list[Envelope[Any]]:
        envelopes = [
            i if isinstance(i, Envelope) else Envelope(data=i, source="/test") for i in items
        ]
        for envelope in envelopes:
            record = envelope.to_kafka()
            await producer.send_and_wait(
                record.topic,
                record.value,
                key=record.key,
                headers=[(k, v.encode()) for k, v in record.headers.items()],
            )
        return envelopes

    try:
        yield put
    finally:
        await producer.stop()


@pytest.fixture
async def send(servers: Servers) -> AsyncIterator[Send]:
    """Put events on their real topics, in order, as CloudEvents records, as the services that
    own them would; returns the envelopes so a test can send one again (a redelivery keeps the
    event id)."""
    async with _sending(servers.kafka_bootstrap) as put:
        yield put


@pytest.fixture
def sending() -> Callable[[str], AbstractAsyncContextManager[Send]]:
    """Like :func:`send`, to a broker of the test's own (``async with sending(bootstrap)``)."""
    return _sending


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


@pytest.fixture
def problem() -> Callable[[httpx.Response, int], dict[str, Any]]:
    """Check that a response is an RFC 9457 problem with this status; its body."""
    return _problem


Received = Callable[..., Awaitable[list[tuple[str, dict[str, Any]]]]]


def _name(record: ConsumerRecord[bytes, bytes]) -> str:
    return spec_for_type(dict(record.headers)["ce_type"].decode()).name


@pytest.fixture
def received(servers: Servers) -> Received:
    """The (event name, body) of the records on ``topic`` keyed by one of ``keys`` (and of one
    of ``types``, when given), in order: waits for ``expect`` of them, then a moment longer to
    catch any that should not be there."""

    async def read(
        topic: str, keys: set[str], *, expect: int, types: set[str] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        def wanted(record: ConsumerRecord[bytes, bytes]) -> bool:
            return record.key.decode() in keys and (types is None or _name(record) in types)

        records = await _topic_records(servers.kafka_bootstrap, topic, wanted, expect=expect)
        return [(_name(r), json.loads(r.value)) for r in records]

    return read


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """A TCP port nobody listens on now, for a server a test starts."""
    return _free_port


@pytest.fixture
def topic_records() -> Callable[..., Awaitable[list[ConsumerRecord[bytes, bytes]]]]:
    return _topic_records


@pytest.fixture
def eventually() -> Callable[..., Awaitable[Any]]:
    return _eventually


def _staff_headers(*roles: Role | str, subject: str = "staff@test") -> dict[str, str]:
    """An Authorization header with a staff token carrying ``roles``, signed with the default
    (local) secret that the tests' service settings use."""
    token = mint(ServiceSettings(), subject, [Role(r) for r in roles], timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff_headers() -> Callable[..., dict[str, str]]:
    return _staff_headers


def _operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app's OpenAPI document lists."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


@pytest.fixture
def operations() -> Callable[[FastAPI], set[tuple[str, str]]]:
    return _operations


@pytest.fixture
def edition_form() -> Callable[..., dict[str, Any]]:
    return edition_form_of


async def _open_edition(registration: httpx.AsyncClient, edition_id: str, **overrides: Any) -> str:
    """Create an open edition through registration's admin API; its id."""
    response = await registration.post(
        "/v1/editions",
        json=edition_form_of(edition_id, **overrides),
        headers=_staff_headers("admin"),
    )
    assert response.status_code == 201, response.text
    return edition_id


@pytest.fixture
def open_edition() -> Callable[..., Awaitable[str]]:
    return _open_edition


@pytest.fixture
def application_form() -> Callable[..., dict[str, Any]]:
    return _application_form


def _application_form(
    edition_id: str, eccp_id: str | None = None, **overrides: Any
) -> dict[str, Any]:
    """A valid application body, to be varied by each test."""
    form: dict[str, Any] = {
        "edition_id": edition_id,
        "cluster": {
            "name": "Pôle Santé Sfax",
            "country": "TN",
            "sector": "health",
            "eccp_id": eccp_id or f"eccp-{uuid.uuid4().hex[:8]}",
            "eccp_profile_url": "https://clustercollaboration.eu/cluster-organisations/pole-sante",
        },
        "participants": [
            {
                "role": "cluster_manager",
                "full_name": "Amira Ben Salah",
                "email": "amira@pole-sante.tn",
                "language": "fr",
            },
            {
                "role": "board_member",
                "full_name": "Karim Trabelsi",
                "email": "karim@pole-sante.tn",
                "language": "fr",
                "phone": "+216 71 000 000",
            },
            {
                "role": "board_member",
                "full_name": "Sarah Haddad",
                "email": "sarah@pole-sante.tn",
                "language": "en",
            },
        ],
        "motivations": "Grow our medical devices value chain with Euro-Mediterranean partners.",
        "expectations": "Governance and innovation methods; partners in Aix-Marseille.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }
    form.update(overrides)
    return form
