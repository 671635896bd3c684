"""Staff commands: set editions, register companies, check participants in; and the selection
decisions this service learns from the selection service's events."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    IntegrationEvent,
    SessionAttended,
)
from academy_kit import idempotency, outbox
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.settings import ServiceSettings
from academy_registration.adapters.attendance import AttendanceStore
from academy_registration.adapters.companies import CompanyStore
from academy_registration.adapters.editions import EditionStore
from academy_registration.domain.companies import CompanyForm, register
from academy_registration.domain.editions import (
    FIRST_EDITION,
    FIRST_EDITION_ID,
    EditionForm,
    NewEdition,
    publish,
    session_ids,
)
from academy_registration.domain.failures import NotSelected, UnknownEdition, UnknownSession
from academy_registration.handlers.applications import new_id


@dataclass(frozen=True)
class Staff:
    editions: EditionStore
    companies: CompanyStore
    attendance: AttendanceStore
    relay: OutboxRelay
    settings: ServiceSettings

    async def create_edition(self, form: NewEdition) -> EditionPublished:
        event = publish(form.edition_id, form, revision=1, now=now())
        await self.editions.create(outbox.envelope(event, self.settings.source))
        self.relay.kick()
        return event

    async def change_edition(self, edition_id: str, form: EditionForm) -> EditionPublished:
        """The new revision (:class:`ConcurrentChange` when another change got there first)."""
        current = await self.edition(edition_id)
        event = publish(edition_id, form, revision=current.revision + 1, now=now())
        await self.editions.replace(outbox.envelope(event, self.settings.source))
        self.relay.kick()
        return event

    async def edition(self, edition_id: str) -> EditionPublished:
        edition = await self.editions.get(edition_id)
        if edition is None:
            raise UnknownEdition(edition_id, [e.edition_id for e in await self.editions.all()])
        return edition

    async def session(self, edition_id: str, session_id: str) -> EditionPublished:
        """The edition, if it has this session."""
        edition = await self.edition(edition_id)
        if session_id not in session_ids(edition):
            raise UnknownSession(session_id, session_ids(edition))
        return edition

    async def seed_first_edition(self) -> None:
        """Create the first edition the call announced, unless it exists (at every start)."""
        if await self.editions.get(FIRST_EDITION_ID) is None:
            form = NewEdition(edition_id=FIRST_EDITION_ID, **FIRST_EDITION.model_dump())
            await self.create_edition(form)

    async def register_company(
        self, form: CompanyForm, idempotency_key: str | None
    ) -> tuple[Document, bool]:
        if idempotency_key:
            first = await self.companies.by_idempotency_key(idempotency_key)
            if first is not None:
                return idempotency.check_replay(first, form), False
        if form.edition_id is not None:
            await self.edition(form.edition_id)
        event = register(form, company_id=new_id(), now=now())
        keyed = idempotency.fields(idempotency_key, form, event.company_id)
        doc = await self.companies.add(outbox.envelope(event, self.settings.source), keyed)
        created = doc["_id"] == event.company_id
        if created:
            self.relay.kick()
        return (doc if created else idempotency.check_replay(doc, form)), created

    async def check_in(
        self, edition_id: str, session_id: str, participant_id: str
    ) -> tuple[Document, bool]:
        """Record the participant present; ``(check-in, False)`` if they already were."""
        await self.session(edition_id, session_id)
        application_id = await self.attendance.application_of_selected(edition_id, participant_id)
        if application_id is None:
            raise NotSelected(edition_id, participant_id)
        event = SessionAttended(
            application_id=application_id,
            edition_id=edition_id,
            session_id=session_id,
            participant_id=participant_id,
            attended_at=now(),
        )
        doc, created = await self.attendance.check_in(outbox.envelope(event, self.settings.source))
        if created:
            self.relay.kick()
        return doc, created

    async def on_event(self, envelope: Envelope[IntegrationEvent]) -> None:
        """Learn who is selected: ClusterSelected admits a cluster's participants to check-in,
        a later ClusterRejected (offer declined or lapsed) revokes it."""
        event = envelope.data
        if isinstance(event, ClusterSelected | ClusterRejected):
            await self.attendance.decide(
                application_id=event.application_id,
                edition_id=event.edition_id,
                selected=isinstance(event, ClusterSelected),
                participants=list(event.participants),
                cluster_name=event.cluster.name,
                decided_at=(
                    event.selected_at if isinstance(event, ClusterSelected) else event.decided_at
                ),
            )
