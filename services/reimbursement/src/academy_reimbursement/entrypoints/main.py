"""Bootstrap: wire settings, stores, handlers, the subscription table, the outbox relay and the
routes into the ASGI app, and run it."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit import consumer, service, web
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.replay import Replayable
from academy_kit.subscriptions import Subscriptions
from academy_reimbursement.adapters import files
from academy_reimbursement.adapters.batches import BatchStore
from academy_reimbursement.adapters.claims import CLAIMS, ClaimStore
from academy_reimbursement.adapters.cohort import (
    APPLICATIONS,
    ATTENDANCE,
    EDITIONS,
    CohortStore,
)
from academy_reimbursement.adapters.documents import DocumentStore
from academy_reimbursement.adapters.rates import RateStore
from academy_reimbursement.entrypoints.api import (
    approvals,
    claims,
    documents,
    errors,
    payments,
    rates,
)
from academy_reimbursement.handlers.approvals import Approvals
from academy_reimbursement.handlers.attendance import Attendance
from academy_reimbursement.handlers.claimants import Claimants
from academy_reimbursement.handlers.claims import Claims
from academy_reimbursement.handlers.cohort import CohortProjection
from academy_reimbursement.handlers.documents import Documents
from academy_reimbursement.handlers.payments import Payments
from academy_reimbursement.handlers.rates import Rates
from academy_reimbursement.handlers.subscriptions import subscriptions
from academy_reimbursement.settings import ReimbursementSettings

DOCUMENTS_PATH = r"/v1/applications/[^/]+/participants/[^/]+/documents"


def create_app(settings: ReimbursementSettings | None = None) -> FastAPI:
    settings = settings or ReimbursementSettings()
    broker = consumer.broker_for(settings)

    async def wire(app: FastAPI, db: AsyncDatabase[Document], relay: OutboxRelay) -> service.Wiring:
        claim_store, cohort_store = ClaimStore(db), CohortStore(db)
        document_store = DocumentStore(db)
        for indexed in (claim_store, cohort_store, document_store):
            await indexed.ensure_indexes()
        source = settings.source
        attendance = Attendance(cohort_store)
        rate_handler = Rates(RateStore(db), settings.default_caps_eur)
        app.state.claimants = Claimants(cohort_store)
        app.state.documents = Documents(
            claim_store, document_store, settings.max_document_bytes, files.unreadable
        )
        app.state.claims = Claims(claim_store, document_store, relay, source)
        app.state.attendance = attendance
        app.state.rates = rate_handler
        app.state.approvals = Approvals(
            claim_store, cohort_store, attendance, rate_handler, relay, source
        )
        app.state.payments = Payments(claim_store, BatchStore(db), relay, source)
        return service.Wiring(subscriptions(CohortProjection(cohort_store)))

    app = web.create_app(
        settings,
        title="Cluster Academy — reimbursement",
        description="Expense claims with their supporting documents, the 90% reimbursement "
        "rule, and payment batches.",
        lifespan=service.lifespan(settings, broker, (CLAIMS,), wire),
        broker=broker,
        # An upload's multipart body: the document plus its form fields and boundaries.
        larger_bodies={DOCUMENTS_PATH: settings.max_document_bytes + 64 * 1024},
    )
    errors.install(app)
    for module in (documents, claims, approvals, rates, payments):
        app.include_router(module.router)
    return app


def replayable(settings: ReimbursementSettings | None = None) -> Replayable:
    """Reimbursement's projections for ``academy replay``: who was selected, the editions'
    sessions and who attended them, from the other services' events. Claims, documents,
    payments, rates and excused absences are the service's own records: a swap keeps the live
    database's."""

    async def table(db: AsyncDatabase[Document]) -> Subscriptions:
        cohort = CohortStore(db)
        await cohort.ensure_indexes()
        return subscriptions(CohortProjection(cohort))

    return Replayable(
        settings or ReimbursementSettings(),
        {APPLICATIONS: (), EDITIONS: (), ATTENDANCE: ()},
        "the selected clusters, the editions' sessions and the check-ins; not the claims, "
        "documents, payments, rates or excused absences",
        table,
    )


def main() -> None:
    settings = ReimbursementSettings()
    web.serve(settings, lambda: create_app(settings))
