"""Applicants' commands: submit, amend and withdraw an application before the deadline.

Each records the change and its event in one write, then wakes the relay. Retries are safe: a
submission repeated under its ``Idempotency-Key`` returns the first document, and an amendment
that changes nothing or a second withdrawal writes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from academy_contracts import links
from academy_contracts.events import ApplicationWithdrawn, EditionPublished
from academy_kit import idempotency, outbox
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.settings import ServiceSettings
from academy_registration.adapters.applications import ApplicationStore, content
from academy_registration.adapters.editions import EditionStore
from academy_registration.domain import applications, editions
from academy_registration.domain.failures import (
    ApplicationNotFound,
    ApplicationWithdrawnAlready,
    RegistrationClosed,
    UnknownEdition,
)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Applications:
    store: ApplicationStore
    editions: EditionStore
    relay: OutboxRelay
    settings: ServiceSettings

    async def open_edition(self, edition_id: str, at: datetime) -> EditionPublished:
        edition = await self.editions.get(edition_id)
        if edition is None:
            known = [e.edition_id for e in await self.editions.all() if editions.is_open(e, at)]
            raise UnknownEdition(edition_id, known)
        if not editions.is_open(edition, at):
            raise RegistrationClosed(edition)
        return edition

    async def submit(
        self, form: applications.ApplicationForm, idempotency_key: str | None
    ) -> tuple[Document, bool]:
        """The application document, and whether this call created it."""
        if idempotency_key:
            first = await self.store.by_idempotency_key(idempotency_key)
            if first is not None:
                return idempotency.check_replay(first, form), False
        submitted_at = now()
        await self.open_edition(form.edition_id, submitted_at)
        event = applications.submit(
            form,
            application_id=new_id(),
            participant_ids=[new_id() for _ in form.participants],
            now=submitted_at,
        )
        keyed = idempotency.fields(idempotency_key, form, event.application_id)
        doc = await self.store.add(outbox.envelope(event, self.settings.source), keyed)
        created = doc["_id"] == event.application_id
        if created:
            self.relay.kick()
        return (doc if created else idempotency.check_replay(doc, form)), created

    async def read(self, application_id: str, token: str | None) -> Document:
        """The application its link token opens; not found for any other token."""
        if not links.matches(self.settings.link_secret, application_id, token):
            raise ApplicationNotFound(application_id)
        doc = await self.store.get(application_id)
        if doc is None:
            raise ApplicationNotFound(application_id)
        return doc

    async def _check_changeable(self, doc: Document) -> None:
        if doc["status"] == "withdrawn":
            raise ApplicationWithdrawnAlready(doc["_id"])
        await self.open_edition(doc["edition_id"], now())

    async def amend(
        self,
        application_id: str,
        token: str | None,
        changes: applications.ApplicationContentForm,
    ) -> Document:
        doc = await self.read(application_id, token)
        await self._check_changeable(doc)
        event = applications.amend(
            content(doc),
            changes,
            revision=doc["revision"] + 1,
            new_participant_id=new_id,
            now=now(),
        )
        if event is None:
            return doc
        amended = await self.store.amend(outbox.envelope(event, self.settings.source))
        self.relay.kick()
        return {**doc, **amended}

    async def withdraw(
        self, application_id: str, token: str | None, form: applications.WithdrawalForm
    ) -> Document:
        doc = await self.read(application_id, token)
        if doc["status"] == "withdrawn":
            return doc
        await self._check_changeable(doc)
        event = ApplicationWithdrawn(
            application_id=application_id,
            edition_id=doc["edition_id"],
            revision=doc["revision"] + 1,
            reason=form.reason,
            withdrawn_at=now(),
        )
        withdrawn = await self.store.withdraw(outbox.envelope(event, self.settings.source))
        self.relay.kick()
        return {**doc, **withdrawn}
