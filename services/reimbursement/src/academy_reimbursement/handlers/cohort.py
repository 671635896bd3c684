"""What the service learns from other services' events: who was selected (and may claim), the
editions' sessions, and who attended which session (a check-in may be undone, and redone).
Every write is keyed by a natural key, so a redelivered or replayed event changes nothing
(:mod:`academy_reimbursement.adapters.cohort`)."""

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
from academy_reimbursement.handlers.ports import CohortStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CohortProjection:
    cohort: CohortStore

    async def record_decision(self, envelope: Envelope[ClusterSelected | ClusterRejected]) -> None:
        """A rejection after a selection (a declined or lapsed offer) takes the right to claim
        away; the newest decision wins."""
        event = envelope.data
        kept = await self.cohort.record_decision(event)
        log.info("decision on %s %s", event.application_id, _kept(kept))

    async def record_edition(self, envelope: Envelope[EditionPublished]) -> None:
        event = envelope.data
        kept = await self.cohort.record_edition(event)
        log.info("edition %s revision %s %s", event.edition_id, event.revision, _kept(kept))

    async def record_attendance(
        self, envelope: Envelope[SessionAttended | AttendanceUndone]
    ) -> None:
        """An undone check-in no longer counts towards a claim's attendance; checking the
        person in again counts it once more (the newer change wins)."""
        event = envelope.data
        kept = await self.cohort.record_attendance(event)
        log.info(
            "%s of %s at %s %s",
            "check-in" if isinstance(event, SessionAttended) else "undone check-in",
            event.participant_id,
            event.session_id,
            _kept(kept),
        )


def _kept(kept: bool) -> str:
    return "recorded" if kept else "already known (unchanged)"
