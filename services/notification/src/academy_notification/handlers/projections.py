"""Keeping what the service knows of other services' events: applications and their teams,
editions, decisions, check-ins and claim steps. These handlers run before the event's messages
are drafted (see :mod:`.subscriptions`), so drafting reads the state the event leaves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    DocumentsMissing,
    EditionPublished,
    ExpenseClaimed,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    RejectionReason,
    SessionAttended,
)
from academy_notification.adapters.projections import ProjectionStore
from academy_notification.domain.digest import CLAIM_PROGRESS
from academy_notification.domain.drafting import Team


@dataclass(frozen=True)
class Projections:
    store: ProjectionStore

    async def edition_published(self, envelope: Envelope[EditionPublished]) -> None:
        await self.store.edition(envelope.data)

    async def application_submitted(self, envelope: Envelope[ApplicationSubmitted]) -> None:
        event = envelope.data
        team = Team(event.cluster, event.participants)
        await self.store.application_content(event.application_id, event.edition_id, team, 1)
        await self.store.application_submitted(event.application_id, event.submitted_at)

    async def application_updated(self, envelope: Envelope[ApplicationUpdated]) -> None:
        event = envelope.data
        team = Team(event.cluster, event.participants)
        await self.store.application_content(
            event.application_id, event.edition_id, team, event.revision
        )

    async def application_withdrawn(self, envelope: Envelope[ApplicationWithdrawn]) -> None:
        event = envelope.data
        await self.store.set_status(
            event.application_id, event.edition_id, "withdrawn", event.withdrawn_at
        )

    async def application_screened(self, envelope: Envelope[ApplicationScreened]) -> None:
        event = envelope.data
        if not event.eligible:
            await self.store.set_status(
                event.application_id, event.edition_id, "not_eligible", event.screened_at
            )

    async def cluster_selected(self, envelope: Envelope[ClusterSelected]) -> None:
        event = envelope.data
        team = Team(event.cluster, event.participants)
        await self.store.set_status(
            event.application_id, event.edition_id, "selected", event.selected_at, team
        )

    async def cluster_waitlisted(self, envelope: Envelope[ClusterWaitlisted]) -> None:
        event = envelope.data
        team = Team(event.cluster, event.participants)
        await self.store.set_status(
            event.application_id, event.edition_id, "waitlisted", event.decided_at, team
        )

    async def cluster_rejected(self, envelope: Envelope[ClusterRejected]) -> None:
        event = envelope.data
        team = Team(event.cluster, event.participants)
        status = "not_eligible" if event.reason is RejectionReason.NOT_ELIGIBLE else "rejected"
        await self.store.set_status(
            event.application_id, event.edition_id, status, event.decided_at, team
        )

    async def session_attended(self, envelope: Envelope[SessionAttended]) -> None:
        event = envelope.data
        await self.store.checked_in(event.edition_id, event.session_id, event.participant_id)

    async def expense_claimed(self, envelope: Envelope[ExpenseClaimed]) -> None:
        event = envelope.data
        await self.store.claimed(event)
        await self._step(event.claim_id, "claimed", event.claimed_at)

    async def documents_missing(self, envelope: Envelope[DocumentsMissing]) -> None:
        await self._step(envelope.data.claim_id, "documents_missing", envelope.data.noted_at)

    async def reimbursement_approved(self, envelope: Envelope[ReimbursementApproved]) -> None:
        await self._step(envelope.data.claim_id, "approved", envelope.data.approved_at)

    async def reimbursement_rejected(self, envelope: Envelope[ReimbursementRejected]) -> None:
        await self._step(envelope.data.claim_id, "rejected", envelope.data.rejected_at)

    async def reimbursement_paid(self, envelope: Envelope[ReimbursementPaid]) -> None:
        await self._step(envelope.data.claim_id, "paid", envelope.data.paid_at)

    async def _step(self, claim_id: str, status: str, at: datetime) -> None:
        await self.store.claim_step(claim_id, status, CLAIM_PROGRESS[status], at)
