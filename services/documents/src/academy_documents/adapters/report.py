"""The facts of the funder's report, one document per application and one per claim, written
from the events alone (:mod:`academy_documents.domain.report` computes the figures).

Each aspect of an application is kept under its own order, so a redelivered or replayed event
changes nothing and a late one cannot overwrite a newer fact: the content by revision (a
withdrawal is a revision too), the screening by the revision screened, the decision by its
time, the confirmation once. A claim's facts are each set once by their own event, whatever
order they come in.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    ExpenseClaimed,
    OfferConfirmed,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
)
from academy_documents.domain.report import ApplicationFacts, ClaimFacts, Decision
from academy_kit.clock import bson_instant
from academy_kit.mongo import Document, document_lock, keep_newer

APPLICATIONS = "report_applications"
CLAIMS = "report_claims"


class ReportStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._applications = db[APPLICATIONS]
        self._claims = db[CLAIMS]

    async def ensure_indexes(self) -> None:
        for collection in (self._applications, self._claims):
            await collection.create_index("edition_id")

    async def record_content(self, event: ApplicationSubmitted | ApplicationUpdated) -> bool:
        revision = event.revision if isinstance(event, ApplicationUpdated) else 1
        content = {
            "country": event.cluster.country.value,
            "sector": event.cluster.sector.value,
            "participants": {
                p.participant_id: p.sex.value if p.sex else None for p in event.participants
            },
        }
        return await keep_newer(
            self._applications,
            event.application_id,
            ("revision", revision),
            {"edition_id": event.edition_id, "content": content, "withdrawn": False},
        )

    async def record_withdrawal(self, event: ApplicationWithdrawn) -> bool:
        return await keep_newer(
            self._applications,
            event.application_id,
            ("revision", event.revision),
            {"edition_id": event.edition_id, "withdrawn": True},
        )

    async def record_screening(self, event: ApplicationScreened) -> bool:
        return await keep_newer(
            self._applications,
            event.application_id,
            ("screened_revision", event.revision),
            {"edition_id": event.edition_id, "eligible": event.eligible},
        )

    async def record_decision(
        self, event: ClusterSelected | ClusterWaitlisted | ClusterRejected
    ) -> bool:
        match event:
            case ClusterSelected():
                decision, at = Decision.SELECTED, event.selected_at
            case ClusterWaitlisted():
                decision, at = Decision.WAITLISTED, event.decided_at
            case ClusterRejected():
                decision, at = Decision.REJECTED, event.decided_at
        return await keep_newer(
            self._applications,
            event.application_id,
            ("decided_at", bson_instant(at)),
            {"edition_id": event.edition_id, "decision": decision.value},
        )

    async def record_confirmation(self, event: OfferConfirmed) -> bool:
        return await keep_newer(
            self._applications,
            event.application_id,
            ("confirmed_at", bson_instant(event.confirmed_at)),
            {"edition_id": event.edition_id, "confirmed": True},
        )

    async def record_claim(
        self,
        event: ExpenseClaimed | ReimbursementApproved | ReimbursementRejected | ReimbursementPaid,
    ) -> None:
        facts: Document
        match event:
            case ExpenseClaimed():
                facts = {
                    "lines": [
                        {
                            "category": line.category.value,
                            "currency": line.amount.currency.value,
                            "amount": str(line.amount.amount),
                        }
                        for line in event.lines
                    ],
                    "claimed_at": event.claimed_at,
                }
            case ReimbursementApproved():
                facts = {
                    "eligible_eur": str(event.eligible.amount),
                    "approved_eur": str(event.approved.amount),
                }
            case ReimbursementRejected():
                facts = {"rejected": True}
            case ReimbursementPaid():
                facts = {"paid_eur": str(event.amount.amount), "paid_at": event.paid_at}
        ids = {"edition_id": event.edition_id, "application_id": event.application_id}
        async with document_lock(self._claims, event.claim_id):
            await self._claims.update_one(
                {"_id": event.claim_id}, {"$set": {**ids, **facts}}, upsert=True
            )

    async def confirmed(self, application_id: str) -> bool:
        doc = await self._applications.find_one({"_id": application_id}, {"confirmed": 1})
        return bool(doc and doc.get("confirmed"))

    async def applications(self, edition_id: str) -> list[ApplicationFacts]:
        cursor = self._applications.find({"edition_id": edition_id})
        return [
            ApplicationFacts.model_validate({**d, "application_id": d["_id"]}) async for d in cursor
        ]

    async def claims(self, edition_id: str) -> list[ClaimFacts]:
        cursor = self._claims.find({"edition_id": edition_id})
        return [ClaimFacts.model_validate({**d, "claim_id": d["_id"]}) async for d in cursor]
