"""In-memory stores serving the handlers' ports (``handlers/ports.py``) the way the MongoDB
adapters do: one claim per id with its outbox, the newest decision and revision kept, a
check-in counted once, a document kept once per id. The fast tier runs the handlers on them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    EditionSession,
    IntegrationEvent,
    SessionAttended,
)
from academy_contracts.values import ExpenseCategory
from academy_kit.idempotency import fingerprint
from academy_reimbursement.domain.attendance import presence_change
from academy_reimbursement.domain.claims import Claim, ClaimExists, ClaimForm, ClaimState
from academy_reimbursement.domain.cohort import Claimant, Excuse
from academy_reimbursement.domain.documents import StoredDocument, Upload, stored_document
from academy_reimbursement.domain.failures import RateTableChanged
from academy_reimbursement.domain.payments import Batch, Payment
from academy_reimbursement.domain.rates import RateTableVersion


class MemoryRelay:
    def __init__(self) -> None:
        self.kicked: list[tuple[str, str]] = []
        """The documents the relay was told to publish from, as (collection, ``_id``)."""

    def kick(self, collection: str, document_id: str) -> None:
        self.kicked.append((collection, document_id))


class MemoryClaims:
    collection = "claims"

    def __init__(self) -> None:
        self.claims: dict[str, Claim] = {}
        self.outbox: list[Envelope[Any]] = []
        self._fingerprints: dict[str, str] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def events(self) -> list[IntegrationEvent]:
        """The events written so far, in order."""
        return [envelope.data for envelope in self.outbox]

    async def add(self, claim: Claim, form: ClaimForm, events: list[Envelope[Any]]) -> None:
        if claim.claim_id in self.claims:
            same = self._fingerprints[claim.claim_id] == fingerprint(form)
            raise ClaimExists(self.claims[claim.claim_id], same)
        self.claims[claim.claim_id] = claim
        self._fingerprints[claim.claim_id] = fingerprint(form)
        self.outbox.extend(events)

    @asynccontextmanager
    async def changing(self, claim_id: str) -> AsyncIterator[Claim | None]:
        async with self._locks[claim_id]:
            yield self.claims.get(claim_id)

    async def save(self, claim: Claim, events: list[Envelope[Any]]) -> None:
        self.claims[claim.claim_id] = claim
        self.outbox.extend(events)

    async def get(self, claim_id: str) -> Claim | None:
        return self.claims.get(claim_id)

    async def of_participant(self, edition_id: str, participant_id: str) -> Claim | None:
        return next(
            (
                c
                for c in self.claims.values()
                if (c.edition_id, c.participant_id) == (edition_id, participant_id)
            ),
            None,
        )

    async def find(
        self,
        *,
        edition_id: str | None = None,
        state: ClaimState | None = None,
        batched: bool | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> tuple[list[Claim], int]:
        found = [
            c
            for c in self._oldest_first()
            if edition_id in (None, c.edition_id)
            and state in (None, c.state)
            and batched in (None, c.batch_id is not None)
        ]
        return found[skip : skip + limit if limit else None], len(found)

    async def payable(self, edition_id: str | None) -> list[str]:
        return [
            c.claim_id
            for c in self._oldest_first()
            if c.payable and edition_id in (None, c.edition_id)
        ]

    async def in_batch(self, batch_id: str) -> list[Claim]:
        return [c for c in self._oldest_first() if c.batch_id == batch_id]

    def _oldest_first(self) -> list[Claim]:
        return sorted(self.claims.values(), key=lambda c: c.submitted_at)


@dataclass
class _Decision:
    decided_at: datetime
    edition_id: str
    selected: bool
    participants: dict[str, str]


class MemoryCohort:
    def __init__(self) -> None:
        self._decisions: dict[str, _Decision] = {}
        self._editions: dict[str, tuple[int, list[EditionSession]]] = {}
        self._presence: dict[tuple[str, str, str], tuple[datetime, bool]] = {}
        self._excuses: dict[tuple[str, str, str], Excuse] = {}

    async def record_decision(self, event: ClusterSelected | ClusterRejected) -> bool:
        decided_at = event.selected_at if isinstance(event, ClusterSelected) else event.decided_at
        stored = self._decisions.get(event.application_id)
        if stored is not None and stored.decided_at >= decided_at:
            return False
        self._decisions[event.application_id] = _Decision(
            decided_at,
            event.edition_id,
            isinstance(event, ClusterSelected),
            {p.participant_id: p.full_name for p in event.participants},
        )
        return True

    async def record_edition(self, event: EditionPublished) -> bool:
        stored = self._editions.get(event.edition_id)
        if stored is not None and stored[0] >= event.revision:
            return False
        self._editions[event.edition_id] = (event.revision, list(event.sessions))
        return True

    async def record_attendance(self, event: SessionAttended | AttendanceUndone) -> bool:
        changed_at, present = presence_change(event)
        key = (event.edition_id, event.participant_id, event.session_id)
        stored = self._presence.get(key)
        if stored is not None and stored[0] >= changed_at:
            return False
        self._presence[key] = (changed_at, present)
        return True

    async def claimant(self, application_id: str, participant_id: str) -> Claimant | None:
        decision = self._decisions.get(application_id)
        if decision is None or participant_id not in decision.participants:
            return None
        return Claimant(
            application_id=application_id,
            edition_id=decision.edition_id,
            participant_id=participant_id,
            full_name=decision.participants[participant_id],
            selected=decision.selected,
        )

    async def sessions(self, edition_id: str) -> list[EditionSession] | None:
        stored = self._editions.get(edition_id)
        return None if stored is None else stored[1]

    async def attended(self, edition_id: str, participant_id: str) -> set[str]:
        return {
            s
            for (e, p, s), (_, present) in self._presence.items()
            if (e, p) == (edition_id, participant_id) and present
        }

    async def excuse(self, edition_id: str, participant_id: str, excuse: Excuse) -> None:
        self._excuses[(edition_id, participant_id, excuse.session_id)] = excuse

    async def excuses(self, edition_id: str, participant_id: str) -> list[Excuse]:
        return [
            x for (e, p, _), x in self._excuses.items() if (e, p) == (edition_id, participant_id)
        ]


class MemoryDocuments:
    def __init__(self) -> None:
        self.documents: dict[str, StoredDocument] = {}
        self.contents: dict[str, bytes] = {}

    async def add(self, upload: Upload, at: datetime) -> tuple[StoredDocument, bool]:
        stored = stored_document(upload, at)
        if stored.document_id in self.documents:
            return self.documents[stored.document_id], False
        self.documents[stored.document_id] = stored
        self.contents[stored.document_id] = upload.content
        return stored, True

    async def content(self, document_id: str) -> bytes | None:
        return self.contents.get(document_id)

    async def of_participant(self, edition_id: str, participant_id: str) -> list[StoredDocument]:
        owned = [
            d
            for d in self.documents.values()
            if (d.edition_id, d.participant_id) == (edition_id, participant_id)
        ]
        return sorted(owned, key=lambda d: d.uploaded_at)


@dataclass
class MemoryRates:
    versions: dict[int, RateTableVersion] = field(default_factory=dict)
    edition_caps: dict[str, dict[ExpenseCategory, Decimal]] = field(default_factory=dict)

    async def latest_rates(self) -> RateTableVersion | None:
        return self.versions[max(self.versions)] if self.versions else None

    async def publish_rates(self, table: RateTableVersion) -> None:
        if table.version in self.versions:
            raise RateTableChanged(table.version)
        self.versions[table.version] = table

    async def caps(self, edition_id: str) -> dict[ExpenseCategory, Decimal]:
        return dict(self.edition_caps.get(edition_id, {}))

    async def set_caps(self, edition_id: str, caps: dict[ExpenseCategory, Decimal]) -> None:
        self.edition_caps[edition_id] = dict(caps)


@dataclass
class MemoryBatches:
    batches: dict[str, Batch] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)

    async def add(self, batch: Batch) -> bool:
        if batch.batch_id in self.batches:
            return False
        self.batches[batch.batch_id] = batch
        return True

    async def get(self, batch_id: str) -> Batch | None:
        return self.batches.get(batch_id)

    async def newest(self, edition_id: str | None) -> Batch | None:
        numbered = [
            b for b in self.batches.values() if b.edition_id == edition_id and b.number >= 1
        ]
        return max(numbered, key=lambda b: b.number, default=None)

    async def page(self, skip: int, limit: int) -> tuple[list[Batch], int]:
        newest = sorted(self.batches.values(), key=lambda b: b.created_at, reverse=True)
        return newest[skip : skip + limit], len(newest)

    async def save(self, batch: Batch) -> None:
        self.batches[batch.batch_id] = batch

    async def record_payment(self, payment: Payment) -> tuple[Payment, bool]:
        if payment.batch_id in self.payments:
            return self.payments[payment.batch_id], False
        self.payments[payment.batch_id] = payment
        return payment, True

    async def payment(self, batch_id: str) -> Payment | None:
        return self.payments.get(batch_id)

    async def finish_payment(self, payment: Payment) -> None:
        self.payments[payment.batch_id] = payment.model_copy(update={"finished": True})
