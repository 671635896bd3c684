"""What the handlers need from the stores and the relay, as protocols: the MongoDB adapters
serve them in the service, the in-memory stores of ``tests/support`` in the fast tests."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    EditionSession,
    SessionAttended,
)
from academy_contracts.values import ExpenseCategory
from academy_reimbursement.domain.claims import Claim, ClaimForm, ClaimState
from academy_reimbursement.domain.cohort import Claimant, Excuse
from academy_reimbursement.domain.documents import StoredDocument, Upload
from academy_reimbursement.domain.payments import Batch, Payment
from academy_reimbursement.domain.rates import RateTableVersion


class Relay(Protocol):
    def kick(self, collection: str, document_id: str) -> None:
        """Publish the outbox entries just written to that document without waiting for the
        next poll; the relay reads that document alone, by ``_id`` (not whole collections)."""


class ClaimStore(Protocol):
    collection: str
    """The collection its documents, and the outbox entries they embed, are in."""

    async def add(self, claim: Claim, form: ClaimForm, events: list[Envelope[Any]]) -> None:
        """Insert the claim with its events; raises :class:`ClaimExists` when there is one."""

    def changing(self, claim_id: str) -> AbstractAsyncContextManager[Claim | None]:
        """The claim, held so that no other change of it interleaves until :meth:`save`."""

    async def save(self, claim: Claim, events: list[Envelope[Any]]) -> None: ...

    async def get(self, claim_id: str) -> Claim | None: ...

    async def of_participant(self, edition_id: str, participant_id: str) -> Claim | None: ...

    async def find(
        self,
        *,
        edition_id: str | None = None,
        state: ClaimState | None = None,
        batched: bool | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> tuple[list[Claim], int]: ...

    async def payable(self, edition_id: str | None) -> list[str]: ...

    async def in_batch(self, batch_id: str) -> list[Claim]: ...


class CohortStore(Protocol):
    async def record_decision(self, event: ClusterSelected | ClusterRejected) -> bool: ...

    async def record_edition(self, event: EditionPublished) -> bool: ...

    async def record_attendance(self, event: SessionAttended | AttendanceUndone) -> bool:
        """Keep the check-in or its undoing unless a change as new is stored for that session
        (:func:`~academy_reimbursement.domain.attendance.presence_change`); True if kept."""

    async def attended(self, edition_id: str, participant_id: str) -> set[str]:
        """The sessions the participant's latest kept change says they are present at."""

    async def claimant(self, application_id: str, participant_id: str) -> Claimant | None: ...

    async def sessions(self, edition_id: str) -> list[EditionSession] | None: ...

    async def excuse(self, edition_id: str, participant_id: str, excuse: Excuse) -> None: ...

    async def excuses(self, edition_id: str, participant_id: str) -> list[Excuse]: ...


class DocumentStore(Protocol):
    async def add(self, upload: Upload, at: datetime) -> tuple[StoredDocument, bool]: ...

    async def content(self, document_id: str) -> bytes | None: ...

    async def of_participant(
        self, edition_id: str, participant_id: str
    ) -> list[StoredDocument]: ...


class RateStore(Protocol):
    async def latest_rates(self) -> RateTableVersion | None: ...

    async def publish_rates(self, table: RateTableVersion) -> None:
        """Insert this version; raises ``RateTableChanged`` if it exists already."""

    async def caps(self, edition_id: str) -> dict[ExpenseCategory, Decimal]: ...

    async def set_caps(self, edition_id: str, caps: dict[ExpenseCategory, Decimal]) -> None: ...


class BatchStore(Protocol):
    async def add(self, batch: Batch) -> bool:
        """Insert the batch; False when a batch of this id exists already."""

    async def get(self, batch_id: str) -> Batch | None: ...

    async def newest(self, edition_id: str | None) -> Batch | None: ...

    async def page(self, skip: int, limit: int) -> tuple[list[Batch], int]:
        """The batches, newest first, from ``skip`` on and ``limit`` at most, and how many
        there are."""

    async def save(self, batch: Batch) -> None: ...

    async def record_payment(self, payment: Payment) -> tuple[Payment, bool]:
        """Record the batch's payment unless one is; the one recorded, and whether it is this."""

    async def payment(self, batch_id: str) -> Payment | None: ...

    async def finish_payment(self, payment: Payment) -> None: ...
