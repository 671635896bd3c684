"""What the handlers need from the stores and the outbox relay, so the same handlers run on the
real stores (``adapters/``) and on the in-memory ones of the fast tests (``tests/support/``);
and :func:`find_edition`, the one way every handler reads an edition through its store."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    AttendanceUndone,
    CompanyRegistered,
    EditionPublished,
    SessionAttended,
)
from academy_registration.domain.applications import Application, ApplicationFilter
from academy_registration.domain.attendance import Admission, CheckIn
from academy_registration.domain.companies import CompanyFilter
from academy_registration.domain.editions import is_open
from academy_registration.domain.failures import UnknownEdition


class Relay(Protocol):
    def kick(self, collection: str, document_id: str) -> None:
        """Publish the outbox entries just written to that document without waiting for the
        next poll; the relay reads that document alone, by ``_id`` (not whole collections)."""


class EditionStore(Protocol):
    collection: str
    """The collection its documents, and the outbox entries they embed, are in."""

    async def create(self, envelope: Envelope[EditionPublished]) -> None: ...
    async def replace(self, envelope: Envelope[EditionPublished]) -> None: ...
    async def get(self, edition_id: str) -> EditionPublished | None: ...
    async def all(self) -> list[EditionPublished]: ...


async def find_edition(
    store: EditionStore, edition_id: str, *, open_at: datetime | None = None
) -> EditionPublished:
    """The edition; :class:`UnknownEdition` naming the known ones instead (those open at
    ``open_at``, when given: the ones an applicant may choose)."""
    edition = await store.get(edition_id)
    if edition is None:
        known = [e.edition_id for e in await store.all() if open_at is None or is_open(e, open_at)]
        raise UnknownEdition(edition_id, known)
    return edition


class ApplicationStore(Protocol):
    collection: str
    """The collection its documents, and the outbox entries they embed, are in."""

    async def first_under(self, key: str, request: BaseModel) -> Application | None: ...
    async def add(
        self, envelope: Envelope[ApplicationSubmitted], key: str | None, request: BaseModel
    ) -> tuple[Application, bool]: ...
    async def amend(self, envelope: Envelope[ApplicationUpdated]) -> None: ...
    async def withdraw(self, envelope: Envelope[ApplicationWithdrawn]) -> None: ...
    async def get(self, application_id: str) -> Application | None: ...
    async def find(
        self, filters: ApplicationFilter, *, skip: int = 0, limit: int = 0
    ) -> list[Application]: ...
    async def count(self, filters: ApplicationFilter) -> int: ...
    async def naming(self, email: str) -> list[Application]:
        """The applications naming ``email`` (any case) among their participants."""
        ...

    async def record(self, application_id: str, envelope: Envelope[Any]) -> None:
        """Add an event about the application to its outbox, changing nothing else."""
        ...


class CompanyStore(Protocol):
    collection: str
    """The collection its documents, and the outbox entries they embed, are in."""

    async def first_under(self, key: str, request: BaseModel) -> CompanyRegistered | None: ...
    async def add(
        self, envelope: Envelope[CompanyRegistered], key: str | None, request: BaseModel
    ) -> tuple[CompanyRegistered, bool]: ...
    async def find(
        self, filters: CompanyFilter, *, skip: int, limit: int
    ) -> list[CompanyRegistered]: ...
    async def count(self, filters: CompanyFilter) -> int: ...


class AdmissionStore(Protocol):
    async def record(self, admission: Admission) -> None: ...
    async def admitting(self, edition_id: str, participant_id: str) -> Admission | None: ...
    async def of_application(self, application_id: str) -> Admission | None: ...
    async def selected(self, edition_id: str) -> list[Admission]: ...


class CheckInStore(Protocol):
    collection: str
    """The collection its documents, and the outbox entries they embed, are in."""

    async def get(
        self, edition_id: str, session_id: str, participant_id: str
    ) -> CheckIn | None: ...
    async def add(self, envelope: Envelope[SessionAttended]) -> tuple[CheckIn, bool]: ...
    async def undo(self, envelope: Envelope[AttendanceUndone]) -> bool: ...
    async def of_session(self, edition_id: str, session_id: str) -> list[CheckIn]: ...
