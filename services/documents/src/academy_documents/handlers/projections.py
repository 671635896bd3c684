"""What the service learns from other services' events, and the certificate reviews each one
calls for. Every write is keyed by a natural key, so a redelivered or replayed event changes
nothing (:mod:`academy_documents.adapters.cohort`), and a review that finds nothing to change
writes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    SessionAttended,
)
from academy_documents.handlers.certificates import Certificates
from academy_documents.handlers.ports import CohortStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CohortProjection:
    cohort: CohortStore
    certificates: Certificates

    async def record_edition(self, envelope: Envelope[EditionPublished]) -> None:
        """An edition published after its end (or changed since) is reviewed at once."""
        event = envelope.data
        if await self.cohort.record_edition(event):
            await self.certificates.review_edition(event.edition_id)

    async def record_decision(self, envelope: Envelope[ClusterSelected | ClusterRejected]) -> None:
        """A decision after the edition's end issues or revokes its participants' certificates."""
        event = envelope.data
        if await self.cohort.record_decision(event):
            await self.certificates.review_application(event.application_id)

    async def record_presence(self, envelope: Envelope[SessionAttended | AttendanceUndone]) -> None:
        """A late check-in may complete a participant's attendance; an undone one may break it."""
        event = envelope.data
        kept = await self.cohort.record_presence(event)
        if kept:
            await self.certificates.review_participant(event.application_id, event.participant_id)
        log.info(
            "%s of %s at %s %s",
            "check-in" if isinstance(event, SessionAttended) else "undone check-in",
            event.participant_id,
            event.session_id,
            "recorded" if kept else "already known (unchanged)",
        )
