"""Bootstrap: wire settings, stores, the Kafka consumers, the outbox relay, the offer lapse
sweep and the routes into the ASGI app, and run it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.mongo import connected
from academy_kit.outbox import OutboxRelay
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
    broker = consumer.broker_for(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with connected(settings) as db:
            app.state.db = db
            applications, editions = ApplicationStore(db), EditionStore(db)
            reviews, selections = ReviewStore(db), SelectionStore(db)
            for store in (applications, reviews, selections):
                await store.ensure_indexes()
            relay = OutboxRelay(db, OUTBOX_COLLECTIONS, settings)
            offers = Offers(selections, relay, settings.source)
            handlers = EventHandlers(
                applications=applications,
                editions=editions,
                offers=offers,
                relay=relay,
                source=settings.source,
            )
            consumer.subscribe(
                broker, (Topic.EDITIONS, Topic.APPLICATIONS), settings, handlers.handle
            )
            app.state.commands = Commands(
                applications=applications,
                editions=editions,
                reviews=reviews,
                selections=selections,
                offers=offers,
                relay=relay,
                source=settings.source,
            )
            work = web.background(
                outbox_relay=relay.run,
                offer_lapse_sweep=lambda: offers.run_sweeps(settings.offer_sweep_seconds),
            )
            async with work, consumer.running(broker):
                yield

    app = web.create_app(
        settings,
        title="Cluster Academy — selection",
        description="Eligibility screening, reviews, balanced selection, offers and waitlist "
        "of the clusters that applied.",
        lifespan=lifespan,
        broker=broker,
    )
    app.include_router(router)
    return app


def main() -> None:
    settings = SelectionSettings()
    web.serve(settings, lambda: create_app(settings))
