"""The reimbursement handlers wired on in-memory stores, as ``entrypoints/main.py`` wires them
on MongoDB: the fast tier calls them directly, and feeds events through the subscription
table."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit.subscriptions import dispatcher, topics_of
from academy_reimbursement.adapters import files
from academy_reimbursement.entrypoints.main import create_app
from academy_reimbursement.handlers.approvals import Approvals
from academy_reimbursement.handlers.attendance import Attendance
from academy_reimbursement.handlers.claimants import Claimants
from academy_reimbursement.handlers.claims import Claims
from academy_reimbursement.handlers.cohort import CohortProjection
from academy_reimbursement.handlers.documents import Documents
from academy_reimbursement.handlers.payments import Payments
from academy_reimbursement.handlers.rates import Rates
from academy_reimbursement.handlers.subscriptions import subscriptions
from academy_reimbursement.settings import BUILT_IN_CAPS, ReimbursementSettings

from .cohort import MAX_DOCUMENT_BYTES, Cohort
from .stores import (
    MemoryBatches,
    MemoryClaims,
    MemoryCohort,
    MemoryDocuments,
    MemoryRates,
    MemoryRelay,
)

SOURCE = "/academy/reimbursement/test"
CONSUMED = topics_of(subscriptions(CohortProjection(MemoryCohort())))
"""The topics the service reads, as its subscription table names them."""


@dataclass
class InMemory:
    """The service's handlers and the stores under them."""

    claim_store: MemoryClaims
    cohort_store: MemoryCohort
    document_store: MemoryDocuments
    rate_store: MemoryRates
    batch_store: MemoryBatches
    relay: MemoryRelay
    claimants: Claimants
    documents: Documents
    claims: Claims
    attendance: Attendance
    rates: Rates
    approvals: Approvals
    payments: Payments
    projection: CohortProjection

    async def deliver(self, *events: IntegrationEvent) -> None:
        """Hand each event to the service as its consumer does: through the table."""
        dispatch = dispatcher(subscriptions(self.projection))
        for event in events:
            await dispatch(Envelope(data=event, source="/academy/test"))

    async def enrol(self, cohort: Cohort, attended: tuple[str, ...] = ("s1", "s2")) -> Cohort:
        """The cohort's edition published, its cluster selected, its participants checked in
        at ``attended``."""
        check_ins = [cohort.attended(p, s) for p in cohort.participant_ids for s in attended]
        await self.deliver(cohort.edition(), cohort.selected(), *check_ins)
        return cohort


def in_memory(max_document_bytes: int = MAX_DOCUMENT_BYTES) -> InMemory:
    claim_store, cohort_store, document_store = MemoryClaims(), MemoryCohort(), MemoryDocuments()
    rate_store, batch_store, relay = MemoryRates(), MemoryBatches(), MemoryRelay()
    attendance = Attendance(cohort_store)
    rates = Rates(rate_store, dict(BUILT_IN_CAPS))
    return InMemory(
        claim_store=claim_store,
        cohort_store=cohort_store,
        document_store=document_store,
        rate_store=rate_store,
        batch_store=batch_store,
        relay=relay,
        claimants=Claimants(cohort_store),
        documents=Documents(claim_store, document_store, max_document_bytes, files.unreadable),
        claims=Claims(claim_store, document_store, relay, SOURCE),
        attendance=attendance,
        rates=rates,
        approvals=Approvals(claim_store, cohort_store, attendance, rates, relay, SOURCE),
        payments=Payments(claim_store, batch_store, relay, SOURCE),
        projection=CohortProjection(cohort_store),
    )


def app_on(memory: InMemory) -> FastAPI:
    """The service's routes on the in-memory handlers; no lifespan runs, so nothing connects
    (drive it with ``httpx.ASGITransport``)."""
    app = create_app(ReimbursementSettings(max_document_bytes=MAX_DOCUMENT_BYTES))
    for name in (
        "claimants",
        "documents",
        "claims",
        "attendance",
        "rates",
        "approvals",
        "payments",
    ):
        setattr(app.state, name, getattr(memory, name))
    return app
