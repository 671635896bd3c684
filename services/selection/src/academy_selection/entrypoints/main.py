"""Bootstrap: wire settings, stores, the Kafka consumers, the outbox relay, the offer lapse
sweep and the routes into the ASGI app, and run it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.mongo import connect
from academy_kit.outbox import OutboxRelay
from academy_kit.probes import mongo_answers
from academy_selection.adapters.applications import APPLICATIONS, ApplicationStore
from academy_selection.adapters.editions import EditionStore
from academy_selection.adapters.reviews import ReviewStore
from academy_selection.adapters.selections import SELECTIONS, SelectionStore
from academy_selection.entrypoints.api import router
from academy_selection.handlers.commands import Commands
from academy_selection.handlers.events import EventHandlers
from academy_selection.handlers.offers import Offers
from academy_selection.settings import SelectionSettings

OUTBOX_COLLECTIONS = (APPLICATIONS, SELECTIONS)


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
        applications, editions = ApplicationStore(db), EditionStore(db)
        reviews, selections = ReviewStore(db), SelectionStore(db)
        for store in (applications, reviews, selections):
            await store.ensure_indexes()
        relay = OutboxRelay(
            db,
            OUTBOX_COLLECTIONS,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            service=settings.service_name,
            poll_seconds=settings.outbox_poll_seconds,
        )
        offers = Offers(selections, relay, settings.source)
        handlers = EventHandlers(
            applications=applications,
            editions=editions,
            offers=offers,
            relay=relay,
            source=settings.source,
        )
        consumer.subscribe(
            broker,
            (Topic.EDITIONS, Topic.APPLICATIONS),
            group_id=settings.group_id,
            service=settings.service_name,
            handler=handlers.handle,
        )
        app.state.store = applications
        app.state.commands = Commands(
            applications=applications,
            editions=editions,
            reviews=reviews,
            selections=selections,
            offers=offers,
            relay=relay,
            source=settings.source,
        )
        tasks = [
            _task(relay.run(), "outbox-relay"),
            _task(offers.run_sweeps(settings.offer_sweep_seconds), "offer-lapse-sweep"),
        ]
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await client.close()

    async def readiness() -> dict[str, bool]:
        return {
            "kafka": await broker.ping(timeout=3),
            "mongodb": await mongo_answers(settings.mongodb_uri),
        }

    app = web.create_app(
        settings,
        title="Cluster Academy — selection",
        description="Eligibility screening, reviews, balanced selection, offers and waitlist "
        "of the clusters that applied.",
        lifespan=lifespan,
        readiness=readiness,
    )
    app.include_router(router)
    return app


def _task(work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    return asyncio.create_task(work, name=name)


def main() -> None:
    settings = SelectionSettings()
    web.serve(settings, lambda: create_app(settings))
