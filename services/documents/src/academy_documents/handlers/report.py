"""The funder's report: recording its facts from the events, and computing it per edition."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.envelope import Envelope
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
from academy_documents.domain.failures import EditionUnknown
from academy_documents.domain.report import FunderReport, funder_report
from academy_documents.handlers.ports import CohortStore, ReportStore


@dataclass(frozen=True)
class FunderReports:
    facts: ReportStore
    cohort: CohortStore

    async def record_content(
        self, envelope: Envelope[ApplicationSubmitted | ApplicationUpdated]
    ) -> None:
        await self.facts.record_content(envelope.data)

    async def record_withdrawal(self, envelope: Envelope[ApplicationWithdrawn]) -> None:
        await self.facts.record_withdrawal(envelope.data)

    async def record_screening(self, envelope: Envelope[ApplicationScreened]) -> None:
        await self.facts.record_screening(envelope.data)

    async def record_decision(
        self, envelope: Envelope[ClusterSelected | ClusterWaitlisted | ClusterRejected]
    ) -> None:
        await self.facts.record_decision(envelope.data)

    async def record_confirmation(self, envelope: Envelope[OfferConfirmed]) -> None:
        await self.facts.record_confirmation(envelope.data)

    async def record_claim(
        self,
        envelope: Envelope[
            ExpenseClaimed | ReimbursementApproved | ReimbursementRejected | ReimbursementPaid
        ],
    ) -> None:
        await self.facts.record_claim(envelope.data)

    async def report(self, edition_id: str) -> FunderReport:
        edition = await self.cohort.edition(edition_id)
        if edition is None:
            raise EditionUnknown(edition_id)
        return funder_report(
            edition_id,
            edition.sessions,
            await self.facts.applications(edition_id),
            await self.cohort.present(edition_id),
            await self.facts.claims(edition_id),
        )
