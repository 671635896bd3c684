"""The kit's shared mechanics: the subscription table's dispatch and "keep the newer"."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationWithdrawn,
    ClusterRejected,
    ClusterSelected,
    CompanyRegistered,
    IntegrationEvent,
)
from academy_contracts.registry import Topic
from academy_kit import web
from academy_kit.mongo import connected, keep_newer
from academy_kit.settings import ServiceSettings
from academy_kit.subscriptions import Subscriptions, dispatcher, topics_of

E = TypeVar("E", bound=IntegrationEvent)


def _bare(event_type: type[E], envelope_id: str) -> Envelope[E]:
    """An envelope whose event has no fields: dispatch looks at the type only."""
    return Envelope(cast(E, event_type.model_construct()), "/test", id=envelope_id)


async def test_the_table_runs_each_types_handlers_in_order_and_skips_other_types() -> None:
    seen: list[str] = []

    async def first(envelope: Envelope[Any]) -> None:
        seen.append(f"first:{envelope.id}")

    async def second(envelope: Envelope[Any]) -> None:
        seen.append(f"second:{envelope.id}")

    table: Subscriptions = {ClusterSelected: [first, second], ApplicationWithdrawn: [second]}
    dispatch = dispatcher(table)
    await dispatch(_bare(ClusterSelected, "a"))
    await dispatch(_bare(ClusterRejected, "b"))
    await dispatch(_bare(ApplicationWithdrawn, "c"))
    assert seen == ["first:a", "second:a", "second:c"]
    assert topics_of(table) == (Topic.APPLICATIONS, Topic.SELECTION)
    # every service also reads the topic of PersonalDataErased, which it must honour
    assert topics_of({CompanyRegistered: []}) == (Topic.COMPANIES, Topic.APPLICATIONS)


@pytest.mark.integration
async def test_keep_newer_applies_only_a_newer_version(servers: Any, uid: str) -> None:
    settings = ServiceSettings(mongodb_uri=servers.mongodb_uri, database=f"t_kit_{uid}")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with connected(settings) as db:
        docs = db["docs"]
        assert await keep_newer(docs, "x", ("revision", 2), {"v": "two"}, on_insert={"n": 1})
        assert not await keep_newer(docs, "x", ("revision", 2), {"v": "again"})
        assert not await keep_newer(docs, "x", ("revision", 1), {"v": "one"})
        assert await keep_newer(docs, "x", ("revision", 3), {"v": "three"}, on_insert={"n": 9})
        assert await docs.find_one({"_id": "x"}) == {
            "_id": "x",
            "revision": 3,
            "v": "three",
            "n": 1,
        }
        assert await keep_newer(docs, "y", ("decided_at", at), {"s": "selected"})
        assert not await keep_newer(docs, "y", ("decided_at", at - timedelta(1)), {"s": "late"})
        pushed = {"log": {"$each": [1, 2]}}
        assert await keep_newer(docs, "y", ("decided_at", at + timedelta(1)), {}, push=pushed)
        stored = await docs.find_one({"_id": "y"})
        assert stored is not None
        assert (stored["s"], stored["log"]) == ("selected", [1, 2])
        await db.client.drop_database(db.name)


async def test_the_api_docs_load_their_scripts_from_the_service_itself() -> None:
    app = web.create_app(
        ServiceSettings(),
        title="t",
        description="d",
        lifespan=_no_lifespan,
        broker=KafkaBroker("127.0.0.1:1"),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        page = (await client.get("/docs")).text
        scripts = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
        assert scripts
        assert not [url for url in scripts if "://" in url]
        for url in scripts:
            assert (await client.get(url)).status_code == 200, url


@contextlib.asynccontextmanager
async def _no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
