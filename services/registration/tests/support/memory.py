"""In-memory stores and relay for registration's fast tests, keeping the rules the real stores
keep (one live application per cluster and edition, the first result under an idempotency key,
the latest decision wins, one check-in per participant and session), and the registration app
wired on them, served without its lifespan (no broker, no database)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationContent,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    AttendanceUndone,
    CompanyRegistered,
    EditionPublished,
    IntegrationEvent,
    SessionAttended,
)
from academy_kit.idempotency import KeyReused, fingerprint
from academy_registration.domain.applications import Application, ApplicationFilter, Status
from academy_registration.domain.attendance import Admission, CheckIn, check_in_id
from academy_registration.domain.companies import CompanyFilter
from academy_registration.domain.failures import (
    ConcurrentChange,
    DuplicateApplication,
    EditionExists,
)
from academy_registration.entrypoints.main import create_app
from academy_registration.handlers.admissions import Admissions
from academy_registration.handlers.applications import Applications
from academy_registration.handlers.check_in import CheckIns
from academy_registration.handlers.companies import Companies
from academy_registration.handlers.editions import Editions
from academy_registration.handlers.erasure import Erasures
from academy_registration.settings import RegistrationSettings


@functools.cache
def _shared_app() -> FastAPI:
    return create_app(RegistrationSettings())


CONTENT = set(ApplicationContent.model_fields) - {"application_id", "edition_id"}
E = TypeVar("E", bound=IntegrationEvent)


@dataclass
class Outbox:
    """The events the stores were given, in order, and the documents the relay was woken for."""

    events: list[IntegrationEvent] = field(default_factory=list)
    kicked: list[tuple[str, str]] = field(default_factory=list)
    """The documents the relay was told to publish from, as (collection, ``_id``)."""

    def kick(self, collection: str, document_id: str) -> None:
        self.kicked.append((collection, document_id))

    def of_type(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]


@dataclass
class Keyed:
    """What an idempotency key was first used for."""

    first: dict[str, tuple[str, str]] = field(default_factory=dict)

    def replay(self, key: str, request: BaseModel) -> str | None:
        """The id first created under ``key``, if the request is the same (else KeyReused)."""
        if key not in self.first:
            return None
        document_id, used_with = self.first[key]
        if used_with != fingerprint(request):
            raise KeyReused
        return document_id

    def record(self, key: str | None, request: BaseModel, document_id: str) -> None:
        if key:
            self.first[key] = (document_id, fingerprint(request))


@dataclass
class EditionMemory:
    outbox: Outbox
    collection: str = "editions"
    editions: dict[str, EditionPublished] = field(default_factory=dict)

    async def create(self, envelope: Envelope[EditionPublished]) -> None:
        if envelope.data.edition_id in self.editions:
            raise EditionExists(envelope.data.edition_id)
        self._keep(envelope.data)

    async def replace(self, envelope: Envelope[EditionPublished]) -> None:
        current = self.editions[envelope.data.edition_id]
        if current.revision != envelope.data.revision - 1:
            raise ConcurrentChange(current.edition_id)
        self._keep(envelope.data)

    def _keep(self, edition: EditionPublished) -> None:
        self.editions[edition.edition_id] = edition
        self.outbox.events.append(edition)

    async def get(self, edition_id: str) -> EditionPublished | None:
        return self.editions.get(edition_id)

    async def all(self) -> list[EditionPublished]:
        return [self.editions[key] for key in sorted(self.editions)]


@dataclass
class ApplicationMemory:
    outbox: Outbox
    collection: str = "applications"
    applications: dict[str, Application] = field(default_factory=dict)
    keyed: Keyed = field(default_factory=Keyed)

    async def first_under(self, key: str, request: BaseModel) -> Application | None:
        first = self.keyed.replay(key, request)
        return None if first is None else self.applications[first]

    async def add(
        self, envelope: Envelope[ApplicationSubmitted], key: str | None, request: BaseModel
    ) -> tuple[Application, bool]:
        event = envelope.data
        for live in self.applications.values():
            if (
                live.status == Status.SUBMITTED
                and live.edition_id == event.edition_id
                and live.cluster.eccp_id.lower() == event.cluster.eccp_id.strip().lower()
            ):
                raise DuplicateApplication(live.application_id)
        application = Application.model_validate(
            {
                **event.model_dump(),
                "status": Status.SUBMITTED,
                "revision": 1,
                "updated_at": event.submitted_at,
            }
        )
        self.applications[event.application_id] = application
        self.keyed.record(key, request, event.application_id)
        self.outbox.events.append(event)
        return application, True

    async def amend(self, envelope: Envelope[ApplicationUpdated]) -> None:
        event = envelope.data
        changes = {**event.model_dump(include=CONTENT), "updated_at": event.updated_at}
        self._change(event.application_id, event.revision, changes, event)

    async def withdraw(self, envelope: Envelope[ApplicationWithdrawn]) -> None:
        event = envelope.data
        changes = {
            "status": Status.WITHDRAWN,
            "withdrawal_reason": event.reason,
            "withdrawn_at": event.withdrawn_at,
            "updated_at": event.withdrawn_at,
        }
        self._change(event.application_id, event.revision, changes, event)

    def _change(
        self,
        application_id: str,
        revision: int,
        changes: Mapping[str, object],
        event: IntegrationEvent,
    ) -> None:
        current = self.applications[application_id]
        if current.revision != revision - 1 or current.status != Status.SUBMITTED:
            raise ConcurrentChange(application_id)
        self.applications[application_id] = Application.model_validate(
            {**current.model_dump(), **changes, "revision": revision}
        )
        self.outbox.events.append(event)

    async def get(self, application_id: str) -> Application | None:
        return self.applications.get(application_id)

    async def naming(self, email: str) -> list[Application]:
        wanted = email.strip().lower()
        return [
            a
            for a in self.applications.values()
            if any(str(p.email).lower() == wanted for p in a.participants)
        ]

    async def record(self, application_id: str, envelope: Envelope[Any]) -> None:
        self.outbox.events.append(envelope.data)

    def _matching(self, filters: ApplicationFilter) -> list[Application]:
        criteria = filters.criteria()

        def matches(application: Application) -> bool:
            stored = application.model_dump(mode="json")
            for name, wanted in criteria.items():
                value: object = stored
                for part in name.split("."):
                    value = value[part] if isinstance(value, dict) else None
                if value != wanted:
                    return False
            return True

        ordered = sorted(
            self.applications.values(), key=lambda a: (a.submitted_at, a.application_id)
        )
        return [a for a in ordered if matches(a)]

    async def find(
        self, filters: ApplicationFilter, *, skip: int = 0, limit: int = 0
    ) -> list[Application]:
        found = self._matching(filters)[skip:]
        return found[:limit] if limit else found

    async def count(self, filters: ApplicationFilter) -> int:
        return len(self._matching(filters))


@dataclass
class CompanyMemory:
    outbox: Outbox
    collection: str = "companies"
    companies: dict[str, CompanyRegistered] = field(default_factory=dict)
    keyed: Keyed = field(default_factory=Keyed)

    async def first_under(self, key: str, request: BaseModel) -> CompanyRegistered | None:
        first = self.keyed.replay(key, request)
        return None if first is None else self.companies[first]

    async def add(
        self, envelope: Envelope[CompanyRegistered], key: str | None, request: BaseModel
    ) -> tuple[CompanyRegistered, bool]:
        company = envelope.data
        self.companies[company.company_id] = company
        self.keyed.record(key, request, company.company_id)
        self.outbox.events.append(company)
        return company, True

    def _matching(self, filters: CompanyFilter) -> list[CompanyRegistered]:
        criteria = filters.criteria()
        return [
            c
            for c in sorted(self.companies.values(), key=lambda c: c.registered_at)
            if all(str(getattr(c, name)) == wanted for name, wanted in criteria.items())
        ]

    async def find(
        self, filters: CompanyFilter, *, skip: int, limit: int
    ) -> list[CompanyRegistered]:
        return self._matching(filters)[skip : skip + limit]

    async def count(self, filters: CompanyFilter) -> int:
        return len(self._matching(filters))


@dataclass
class AdmissionMemory:
    admissions: dict[str, Admission] = field(default_factory=dict)

    async def record(self, admission: Admission) -> None:
        current = self.admissions.get(admission.application_id)
        if current is None or current.decided_at < admission.decided_at:
            self.admissions[admission.application_id] = admission

    async def admitting(self, edition_id: str, participant_id: str) -> Admission | None:
        selected = await self.selected(edition_id)
        return next((a for a in selected if a.admits(participant_id)), None)

    async def of_application(self, application_id: str) -> Admission | None:
        return self.admissions.get(application_id)

    async def selected(self, edition_id: str) -> list[Admission]:
        return [
            self.admissions[key]
            for key in sorted(self.admissions)
            if self.admissions[key].edition_id == edition_id and self.admissions[key].selected
        ]


@dataclass
class CheckInMemory:
    outbox: Outbox
    collection: str = "check_ins"
    check_ins: dict[str, CheckIn] = field(default_factory=dict)

    async def get(self, edition_id: str, session_id: str, participant_id: str) -> CheckIn | None:
        return self.check_ins.get(check_in_id(edition_id, session_id, participant_id))

    async def add(self, envelope: Envelope[SessionAttended]) -> tuple[CheckIn, bool]:
        event = envelope.data
        key = check_in_id(event.edition_id, event.session_id, event.participant_id)
        if key in self.check_ins and self.check_ins[key].undone_at is None:
            return self.check_ins[key], False
        self.check_ins[key] = CheckIn.model_validate(event.model_dump())
        self.outbox.events.append(event)
        return self.check_ins[key], True

    async def undo(self, envelope: Envelope[AttendanceUndone]) -> bool:
        event = envelope.data
        key = check_in_id(event.edition_id, event.session_id, event.participant_id)
        if self.check_ins[key].undone_at is not None:
            return False
        self.check_ins[key] = self.check_ins[key].model_copy(update={"undone_at": event.undone_at})
        self.outbox.events.append(event)
        return True

    async def of_session(self, edition_id: str, session_id: str) -> list[CheckIn]:
        found = [
            c
            for c in self.check_ins.values()
            if (c.edition_id, c.session_id) == (edition_id, session_id) and c.undone_at is None
        ]
        return sorted(found, key=lambda c: c.attended_at)


@dataclass
class Registration:
    """Registration's handlers on in-memory stores, sharing one outbox."""

    settings: RegistrationSettings = field(default_factory=RegistrationSettings)
    outbox: Outbox = field(default_factory=Outbox)

    def __post_init__(self) -> None:
        source = self.settings.source
        self.edition_store = EditionMemory(self.outbox)
        self.application_store = ApplicationMemory(self.outbox)
        self.company_store = CompanyMemory(self.outbox)
        self.admission_store = AdmissionMemory()
        self.check_in_store = CheckInMemory(self.outbox)
        self.editions = Editions(self.edition_store, self.outbox, source)
        self.applications = Applications(
            self.application_store,
            self.edition_store,
            self.outbox,
            source,
            self.settings.link_secret,
            self.settings.link_lifetime,
        )
        self.companies = Companies(self.company_store, self.edition_store, self.outbox, source)
        self.check_ins = CheckIns(
            self.check_in_store,
            self.admission_store,
            self.edition_store,
            self.outbox,
            source,
            self.settings.check_in_opens_before,
            self.settings.link_secret,
        )
        self.admissions = Admissions(self.admission_store)
        self.erasures = Erasures(self.application_store, self.outbox, source)

    def app(self) -> FastAPI:
        """The registration app with its routes on these handlers; serve it without running
        its lifespan (``httpx.ASGITransport`` does not run it). One app serves every fast test
        (building one takes a quarter of a second): its routes find the handlers in its state,
        which this sets."""
        app = _shared_app()
        app.state.editions = self.editions
        app.state.applications = self.applications
        app.state.companies = self.companies
        app.state.check_ins = self.check_ins
        app.state.erasures = self.erasures
        return app

    def client(self) -> httpx.AsyncClient:
        """An HTTP client of :meth:`app`."""
        transport = httpx.ASGITransport(app=self.app())
        return httpx.AsyncClient(transport=transport, base_url="http://registration")
