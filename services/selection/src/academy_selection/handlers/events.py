"""What the selection service does with each event it consumes."""

from __future__ import annotations

import logging

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationSubmitted, IntegrationEvent
from academy_selection.adapters.store import CandidateStore
from academy_selection.domain.candidates import Candidate

log = logging.getLogger(__name__)


class EventHandlers:
    def __init__(self, store: CandidateStore) -> None:
        self._store = store

    async def handle(self, envelope: Envelope[IntegrationEvent]) -> None:
        event = envelope.data
        if isinstance(event, ApplicationSubmitted):
            stored = await self._store.add_once(Candidate.from_submission(event), envelope.id)
            log.info(
                "application %s %s",
                event.application_id,
                "recorded" if stored else "already recorded",
            )
