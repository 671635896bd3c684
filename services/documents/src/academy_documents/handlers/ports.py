"""What the handlers need from the stores and the relay, as protocols: the MongoDB adapters
serve them in the service, the in-memory stores of ``tests/support`` in the fast tests."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

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
    OfferConfirmed,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    SessionAttended,
)
from academy_documents.domain.certificates import Attendance, Certificate, CountedAbsence
from academy_documents.domain.cohort import Roster
from academy_documents.domain.letters import VisaLetter
from academy_documents.domain.report import ApplicationFacts, ClaimFacts


class Relay(Protocol):
    def kick(self, collection: str, document_id: str) -> None: ...


class CohortStore(Protocol):
    async def record_edition(self, event: EditionPublished) -> bool: ...

    async def edition(self, edition_id: str) -> EditionPublished | None: ...

    async def unreviewed_editions(self) -> list[EditionPublished]: ...

    async def mark_reviewed(self, edition: EditionPublished) -> None: ...

    async def record_decision(self, event: ClusterSelected | ClusterRejected) -> bool: ...

    async def roster(self, application_id: str) -> Roster | None: ...

    async def rosters(self, edition_id: str) -> list[Roster]: ...

    async def record_presence(self, event: SessionAttended | AttendanceUndone) -> bool: ...

    async def attendance(self, edition_id: str, participant_id: str) -> Attendance: ...

    async def present(self, edition_id: str) -> list[tuple[str, str]]: ...

    async def count_absence(
        self, edition_id: str, participant_id: str, absence: CountedAbsence
    ) -> None: ...


class ReportStore(Protocol):
    async def record_content(self, event: ApplicationSubmitted | ApplicationUpdated) -> bool: ...

    async def record_withdrawal(self, event: ApplicationWithdrawn) -> bool: ...

    async def record_screening(self, event: ApplicationScreened) -> bool: ...

    async def record_decision(
        self, event: ClusterSelected | ClusterWaitlisted | ClusterRejected
    ) -> bool: ...

    async def record_confirmation(self, event: OfferConfirmed) -> bool: ...

    async def record_claim(
        self,
        event: ExpenseClaimed | ReimbursementApproved | ReimbursementRejected | ReimbursementPaid,
    ) -> None: ...

    async def confirmed(self, application_id: str) -> bool:
        """Whether the cluster has confirmed its place (:class:`OfferConfirmed`)."""
        ...

    async def applications(self, edition_id: str) -> list[ApplicationFacts]: ...

    async def claims(self, edition_id: str) -> list[ClaimFacts]: ...


class CertificateStore(Protocol):
    collection: str

    def changing(self, reference: str) -> AbstractAsyncContextManager[Certificate | None]: ...

    async def save(self, certificate: Certificate, events: list[Envelope[Any]]) -> None: ...

    async def get(self, reference: str) -> Certificate | None: ...

    async def of_edition(self, edition_id: str) -> list[Certificate]: ...


class LetterStore(Protocol):
    def changing(
        self, application_id: str, participant_id: str
    ) -> AbstractAsyncContextManager[VisaLetter | None]: ...

    async def save(self, letter: VisaLetter, pdf: bytes) -> None: ...

    async def get(self, application_id: str, participant_id: str) -> VisaLetter | None: ...

    async def with_pdf(
        self, application_id: str, participant_id: str
    ) -> tuple[VisaLetter, bytes] | None: ...
