"""In-memory stores serving the handlers' ports (``handlers/ports.py``) the way the MongoDB
adapters do: the newest revision, decision and presence kept, a certificate per reference with
its outbox. The fast tier runs the handlers on them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    IntegrationEvent,
    SessionAttended,
)
from academy_documents.domain.certificates import Certificate, CountedAbsence
from academy_documents.domain.cohort import Roster, roster


class MemoryRelay:
    def __init__(self) -> None:
        self.kicked: list[tuple[str, str]] = []

    def kick(self, collection: str, document_id: str) -> None:
        self.kicked.append((collection, document_id))


class MemoryCohort:
    def __init__(self) -> None:
        self.editions: dict[str, EditionPublished] = {}
        self.reviewed: set[tuple[str, int]] = set()
        self.decisions: dict[str, Roster] = {}
        self.presence: dict[tuple[str, str, str], tuple[datetime, bool]] = {}
        self.counted_absences: dict[tuple[str, str], set[str]] = defaultdict(set)

    async def record_edition(self, event: EditionPublished) -> bool:
        stored = self.editions.get(event.edition_id)
        if stored is not None and stored.revision >= event.revision:
            return False
        self.editions[event.edition_id] = event
        return True

    async def edition(self, edition_id: str) -> EditionPublished | None:
        return self.editions.get(edition_id)

    async def unreviewed_editions(self) -> list[EditionPublished]:
        return [
            e for e in self.editions.values() if (e.edition_id, e.revision) not in self.reviewed
        ]

    async def mark_reviewed(self, edition: EditionPublished) -> None:
        self.reviewed.add((edition.edition_id, edition.revision))

    async def record_decision(self, event: ClusterSelected | ClusterRejected) -> bool:
        decision = roster(event)
        stored = self.decisions.get(event.application_id)
        if stored is not None and stored.decided_at >= decision.decided_at:
            return False
        self.decisions[event.application_id] = decision
        return True

    async def roster(self, application_id: str) -> Roster | None:
        return self.decisions.get(application_id)

    async def rosters(self, edition_id: str) -> list[Roster]:
        return sorted(
            (r for r in self.decisions.values() if r.edition_id == edition_id),
            key=lambda r: r.application_id,
        )

    async def record_presence(self, event: SessionAttended | AttendanceUndone) -> bool:
        at = event.attended_at if isinstance(event, SessionAttended) else event.undone_at
        key = (event.edition_id, event.participant_id, event.session_id)
        stored = self.presence.get(key)
        if stored is not None and stored[0] >= at:
            return False
        self.presence[key] = (at, isinstance(event, SessionAttended))
        return True

    async def attended(self, edition_id: str, participant_id: str) -> set[str]:
        return {
            session
            for (edition, participant, session), (_, present) in self.presence.items()
            if edition == edition_id and participant == participant_id and present
        }

    async def count_absence(
        self, edition_id: str, participant_id: str, absence: CountedAbsence
    ) -> None:
        self.counted_absences[(edition_id, participant_id)].add(absence.session_id)

    async def counted(self, edition_id: str, participant_id: str) -> set[str]:
        return set(self.counted_absences[(edition_id, participant_id)])


class MemoryCertificates:
    collection = "certificates"

    def __init__(self) -> None:
        self.certificates: dict[str, Certificate] = {}
        self.outbox: list[Envelope[Any]] = []
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def events(self) -> list[IntegrationEvent]:
        return [envelope.data for envelope in self.outbox]

    @asynccontextmanager
    async def changing(self, reference: str) -> AsyncIterator[Certificate | None]:
        async with self._locks[reference]:
            yield self.certificates.get(reference)

    async def save(self, certificate: Certificate, events: list[Envelope[Any]]) -> None:
        self.certificates[certificate.reference] = certificate
        self.outbox.extend(events)

    async def get(self, reference: str) -> Certificate | None:
        return self.certificates.get(reference)

    async def of_edition(self, edition_id: str) -> list[Certificate]:
        return sorted(
            (c for c in self.certificates.values() if c.edition_id == edition_id),
            key=lambda c: c.reference,
        )
