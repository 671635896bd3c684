"""Bootstrap: wire settings, store, the Kafka consumer and routes into the ASGI app, and run it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.mongo import connect
from academy_kit.probes import mongo_answers
from academy_selection.adapters.store import CandidateStore
from academy_selection.handlers.events import EventHandlers
from academy_selection.settings import SelectionSettings


def create_app(settings: SelectionSettings | None = None) -> FastAPI:
    settings = settings or SelectionSettings()
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        logger=logging.getLogger("faststream"),  # through the service's JSON log handler
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client, db = connect(settings)
        store = CandidateStore(db)
        handlers = EventHandlers(store)
        consumer.subscribe(
            broker,
            Topic.APPLICATIONS,
            group_id=settings.group_id,
            service=settings.service_name,
            handler=handlers.handle,
        )
        app.state.settings, app.state.store = settings, store
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            await client.close()

    async def readiness() -> dict[str, bool]:
        return {
            "kafka": await broker.ping(timeout=3),
            "mongodb": await mongo_answers(settings.mongodb_uri),
        }

    return web.create_app(
        settings,
        title="Cluster Academy — selection",
        description="Screening, reviews and balanced selection of the clusters that applied.",
        lifespan=lifespan,
        readiness=readiness,
    )


def main() -> None:
    settings = SelectionSettings()
    web.serve(settings, lambda: create_app(settings))
