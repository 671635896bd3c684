"""Bootstrap: wire settings, stores, the Kafka consumer (selection, attendance and editions),
the outbox relay and the routes into the ASGI app, and run it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.mongo import connected
from academy_kit.outbox import OutboxRelay
from academy_reimbursement.adapters.claims import CLAIMS, ClaimStore
from academy_reimbursement.adapters.cohort import CohortStore
from academy_reimbursement.adapters.documents import DocumentStore
from academy_reimbursement.adapters.finance import FinanceStore
from academy_reimbursement.entrypoints.api import finance, participants
from academy_reimbursement.handlers.events import EventHandlers
from academy_reimbursement.handlers.finance import Finance
from academy_reimbursement.handlers.participants import Participants
from academy_reimbursement.settings import ReimbursementSettings

CONSUMED = (Topic.SELECTION, Topic.ATTENDANCE, Topic.EDITIONS)
DOCUMENTS_PATH = r"/v1/applications/[^/]+/participants/[^/]+/documents"


def create_app(settings: ReimbursementSettings | None = None) -> FastAPI:
    settings = settings or ReimbursementSettings()
    broker = consumer.broker_for(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with connected(settings) as db:
            app.state.db = db
            claims, cohort = ClaimStore(db), CohortStore(db)
            documents, store = DocumentStore(db), FinanceStore(db)
            for indexed in (claims, cohort, documents):
                await indexed.ensure_indexes()
            relay = OutboxRelay(db, (CLAIMS,), settings)
            consumer.subscribe(broker, CONSUMED, settings, EventHandlers(cohort).handle)
            app.state.participants = Participants(
                claims=claims,
                cohort=cohort,
                documents=documents,
                relay=relay,
                source=settings.source,
                link_secret=settings.link_secret,
                max_document_bytes=settings.max_document_bytes,
            )
            app.state.finance = Finance(
                claims=claims,
                cohort=cohort,
                store=store,
                documents=documents,
                relay=relay,
                source=settings.source,
                default_caps=settings.default_caps_eur,
            )
            async with web.background(outbox_relay=relay.run), consumer.running(broker):
                yield

    app = web.create_app(
        settings,
        title="Cluster Academy — reimbursement",
        description="Expense claims with their supporting documents, the 90% reimbursement "
        "rule, and payment batches.",
        lifespan=lifespan,
        broker=broker,
        # An upload's multipart body: the document plus its form fields and boundaries.
        larger_bodies={DOCUMENTS_PATH: settings.max_document_bytes + 64 * 1024},
    )
    app.include_router(participants.router)
    app.include_router(finance.router)
    return app


def main() -> None:
    settings = ReimbursementSettings()
    web.serve(settings, lambda: create_app(settings))
