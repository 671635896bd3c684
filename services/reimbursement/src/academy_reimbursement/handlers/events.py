"""What the service does with each event it consumes; every write is keyed by a natural key
(:mod:`academy_reimbursement.adapters.cohort`), so a redelivery changes nothing."""

from __future__ import annotations

import logging

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    IntegrationEvent,
    SessionAttended,
)
from academy_reimbursement.adapters.cohort import CohortStore

log = logging.getLogger(__name__)


class EventHandlers:
    def __init__(self, cohort: CohortStore) -> None:
        self._cohort = cohort

    async def handle(self, envelope: Envelope[IntegrationEvent]) -> None:
        event = envelope.data
        if isinstance(event, ClusterSelected | ClusterRejected):
            kept = await self._cohort.record_decision(event)
            log.info("decision on %s %s", event.application_id, _kept(kept))
        elif isinstance(event, SessionAttended):
            kept = await self._cohort.record_attendance(event)
            log.info("check-in of %s at %s %s", event.participant_id, event.session_id, _kept(kept))
        elif isinstance(event, EditionPublished):
            kept = await self._cohort.record_edition(event)
            log.info("edition %s revision %s %s", event.edition_id, event.revision, _kept(kept))


def _kept(kept: bool) -> str:
    return "recorded" if kept else "already known (unchanged)"
