"""Composition root: the stores, the handlers by use case, the subscription table, the offer
lapse sweep and the routes, wired into the ASGI app by the shared service lifespan."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit import consumer, web
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.replay import NO_RELAY, Replayable
from academy_kit.service import Wiring, lifespan
from academy_kit.subscriptions import Subscriptions
from academy_selection.adapters.applications import APPLICATIONS, AWAITING, ApplicationStore
from academy_selection.adapters.conflicts import ConflictStore
from academy_selection.adapters.editions import BALANCE, EDITIONS, REVIEW_POLICY, EditionStore
from academy_selection.adapters.reviews import ReviewStore
from academy_selection.adapters.selections import SELECTIONS, SelectionStore
from academy_selection.entrypoints import errors
from academy_selection.entrypoints.api import router
from academy_selection.handlers.offers import Offers
from academy_selection.handlers.publishing import Publishing
from academy_selection.handlers.reviews import Reviewing
from academy_selection.handlers.screening import Screener
from academy_selection.handlers.subscriptions import subscriptions
from academy_selection.settings import SelectionSettings

OUTBOX_COLLECTIONS = (APPLICATIONS, SELECTIONS)


def create_app(settings: SelectionSettings | None = None) -> FastAPI:
    settings = settings or SelectionSettings()
    broker = consumer.broker_for(settings)

    async def wire(app: FastAPI, db: AsyncDatabase[Document], relay: OutboxRelay) -> Wiring:
        applications, editions = ApplicationStore(db), EditionStore(db)
        reviews, conflicts, selections = ReviewStore(db), ConflictStore(db), SelectionStore(db)
        for store in (applications, reviews, conflicts, selections):
            await store.ensure_indexes()
        source = settings.source
        screener = Screener(applications, editions, relay, source)
        offers = Offers(applications, editions, selections, relay, source)
        app.state.screener = screener
        app.state.reviewing = Reviewing(applications, editions, reviews, conflicts, selections)
        app.state.publishing = Publishing(
            applications, editions, reviews, conflicts, selections, relay, source
        )
        app.state.offers = offers
        return Wiring(
            subscriptions(screener, offers),
            {"offer_lapse_sweep": lambda: offers.run_sweeps(settings.offer_sweep_seconds)},
        )

    app = web.create_app(
        settings,
        title="Cluster Academy — selection",
        description="Eligibility screening, reviews, balanced selection, offers and waitlist "
        "of the clusters that applied.",
        lifespan=lifespan(settings, broker, OUTBOX_COLLECTIONS, wire),
        broker=broker,
    )
    errors.install(app)
    app.include_router(router)
    return app


def replayable(settings: SelectionSettings | None = None) -> Replayable:
    """Selection's projections for ``academy replay``: the applications and editions learned
    from registration's events, screened again (the screening events this writes are the live
    ones' twins and are dropped). Reviews, conflicts, selections and offers, and the review
    policy and balance rules staff set on an edition, come from staff alone: a swap keeps the
    live database's."""
    settings = settings or SelectionSettings()

    async def table(db: AsyncDatabase[Document]) -> Subscriptions:
        applications, editions = ApplicationStore(db), EditionStore(db)
        await applications.ensure_indexes()
        screener = Screener(applications, editions, NO_RELAY, settings.source)
        offers = Offers(applications, editions, SelectionStore(db), NO_RELAY, settings.source)
        return subscriptions(screener, offers)

    return Replayable(
        settings,
        {APPLICATIONS: (), AWAITING: (), EDITIONS: (REVIEW_POLICY, BALANCE)},
        "applications and editions from registration's events, screened again; not the "
        "reviews, selections and offers, nor the review policy and balance rules",
        table,
    )


def main() -> None:
    settings = SelectionSettings()
    web.serve(settings, lambda: create_app(settings))
