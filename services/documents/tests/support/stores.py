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
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    EditionPublished,
    ExpenseClaimed,
    IntegrationEvent,
    OfferConfirmed,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    SessionAttended,
)
from academy_documents.domain.certificates import Attendance, Certificate, CountedAbsence
from academy_documents.domain.cohort import Roster, roster
from academy_documents.domain.letters import VisaLetter
from academy_documents.domain.report import (
    ApplicationFacts,
    ClaimFacts,
    ClaimLine,
    Content,
    Decision,
)


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

    async def attendance(self, edition_id: str, participant_id: str) -> Attendance:
        return Attendance(
            attended={
                session
                for (edition, participant, session), (_, present) in self.presence.items()
                if edition == edition_id and participant == participant_id and present
            },
            counted=set(self.counted_absences[(edition_id, participant_id)]),
        )

    async def present(self, edition_id: str) -> list[tuple[str, str]]:
        return [
            (participant, session)
            for (edition, participant, session), (_, present) in self.presence.items()
            if edition == edition_id and present
        ]

    async def count_absence(
        self, edition_id: str, participant_id: str, absence: CountedAbsence
    ) -> None:
        self.counted_absences[(edition_id, participant_id)].add(absence.session_id)


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


class MemoryReport:
    """The report's facts, each aspect kept under its own order as the MongoDB store keeps
    them (:mod:`academy_documents.adapters.report`)."""

    def __init__(self) -> None:
        self.facts: dict[str, ApplicationFacts] = {}
        self.orders: dict[tuple[str, str], Any] = {}
        self.claim_facts: dict[str, ClaimFacts] = {}

    def _keep(
        self, application_id: str, edition_id: str, order: tuple[str, Any], **changes: Any
    ) -> bool:
        field, value = order
        stored = self.orders.get((application_id, field))
        if stored is not None and stored >= value:
            return False
        self.orders[(application_id, field)] = value
        facts = self.facts.get(application_id) or ApplicationFacts(
            application_id=application_id, edition_id=edition_id
        )
        self.facts[application_id] = facts.model_copy(update=changes)
        return True

    async def record_content(self, event: ApplicationSubmitted | ApplicationUpdated) -> bool:
        revision = event.revision if isinstance(event, ApplicationUpdated) else 1
        content = Content(
            country=event.cluster.country,
            sector=event.cluster.sector,
            participants={p.participant_id: p.sex for p in event.participants},
        )
        return self._keep(
            event.application_id,
            event.edition_id,
            ("revision", revision),
            content=content,
            withdrawn=False,
        )

    async def record_withdrawal(self, event: ApplicationWithdrawn) -> bool:
        return self._keep(
            event.application_id, event.edition_id, ("revision", event.revision), withdrawn=True
        )

    async def record_screening(self, event: ApplicationScreened) -> bool:
        return self._keep(
            event.application_id,
            event.edition_id,
            ("screened_revision", event.revision),
            eligible=event.eligible,
        )

    async def record_decision(
        self, event: ClusterSelected | ClusterWaitlisted | ClusterRejected
    ) -> bool:
        if isinstance(event, ClusterSelected):
            decision, at = Decision.SELECTED, event.selected_at
        else:
            decision = (
                Decision.WAITLISTED if isinstance(event, ClusterWaitlisted) else Decision.REJECTED
            )
            at = event.decided_at
        return self._keep(
            event.application_id, event.edition_id, ("decided_at", at), decision=decision
        )

    async def record_confirmation(self, event: OfferConfirmed) -> bool:
        return self._keep(
            event.application_id,
            event.edition_id,
            ("confirmed_at", event.confirmed_at),
            confirmed=True,
        )

    async def record_claim(
        self,
        event: ExpenseClaimed | ReimbursementApproved | ReimbursementRejected | ReimbursementPaid,
    ) -> None:
        facts = self.claim_facts.get(event.claim_id) or ClaimFacts(
            claim_id=event.claim_id,
            edition_id=event.edition_id,
            application_id=event.application_id,
        )
        changes: dict[str, Any]
        if isinstance(event, ExpenseClaimed):
            changes = {
                "lines": [
                    ClaimLine(
                        category=line.category,
                        currency=line.amount.currency,
                        amount=line.amount.amount,
                    )
                    for line in event.lines
                ],
                "claimed_at": event.claimed_at,
            }
        elif isinstance(event, ReimbursementApproved):
            changes = {
                "eligible_eur": event.eligible.amount,
                "approved_eur": event.approved.amount,
            }
        elif isinstance(event, ReimbursementRejected):
            changes = {"rejected": True}
        else:
            changes = {"paid_eur": event.amount.amount, "paid_at": event.paid_at}
        self.claim_facts[event.claim_id] = facts.model_copy(update=changes)

    async def confirmed(self, application_id: str) -> bool:
        facts = self.facts.get(application_id)
        return facts is not None and facts.confirmed

    async def applications(self, edition_id: str) -> list[ApplicationFacts]:
        return [f for f in self.facts.values() if f.edition_id == edition_id]

    async def claims(self, edition_id: str) -> list[ClaimFacts]:
        return [c for c in self.claim_facts.values() if c.edition_id == edition_id]


class MemoryLetters:
    """The ``passport_data`` collection: the latest letter and its PDF per participant."""

    def __init__(self) -> None:
        self.letters: dict[tuple[str, str], tuple[VisaLetter, bytes]] = {}
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def changing(
        self, application_id: str, participant_id: str
    ) -> AsyncIterator[VisaLetter | None]:
        async with self._lock:
            yield await self.get(application_id, participant_id)

    async def save(self, letter: VisaLetter, pdf: bytes) -> None:
        self.letters[(letter.application_id, letter.participant_id)] = (letter, pdf)

    async def get(self, application_id: str, participant_id: str) -> VisaLetter | None:
        found = self.letters.get((application_id, participant_id))
        return found[0] if found else None

    async def with_pdf(
        self, application_id: str, participant_id: str
    ) -> tuple[VisaLetter, bytes] | None:
        return self.letters.get((application_id, participant_id))
