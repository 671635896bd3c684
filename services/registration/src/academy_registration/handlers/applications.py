"""Applications: a cluster submits, then its manager amends and withdraws the application
through their personal link before the deadline; each participant reads their own part; anyone
may ask for an address's links again; staff list them.

Each change records the application and its event in one write, then wakes the relay. Retries
are safe: a submission repeated under its ``Idempotency-Key`` returns the first application, and
an amendment that changes nothing or a second withdrawal writes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from pydantic import SecretStr

from academy_contracts import links
from academy_contracts.values import Participant
from academy_kit import outbox
from academy_kit.clock import now
from academy_registration.domain import applications
from academy_registration.domain.applications import (
    Application,
    ApplicationContentForm,
    ApplicationFilter,
    ApplicationForm,
    WithdrawalForm,
)
from academy_registration.domain.failures import ApplicationNotFound
from academy_registration.handlers.ports import ApplicationStore, EditionStore, Relay, find_edition


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Applications:
    store: ApplicationStore
    editions: EditionStore
    relay: Relay
    source: str
    link_secret: SecretStr
    link_lifetime: timedelta

    async def submit(
        self, form: ApplicationForm, idempotency_key: str | None
    ) -> tuple[Application, bool]:
        """The application, and whether this call created it."""
        if idempotency_key:
            first = await self.store.first_under(idempotency_key, form)
            if first is not None:
                return first, False
        submitted_at = now()
        edition = await find_edition(self.editions, form.edition_id, open_at=submitted_at)
        event = applications.submit(
            form,
            edition,
            application_id=new_id(),
            participant_ids=[new_id() for _ in form.participants],
            now=submitted_at,
        )
        envelope = outbox.envelope(event, self.source)
        application, created = await self.store.add(envelope, idempotency_key, form)
        if created:
            self.relay.kick(self.store.collection, application.application_id)
        return application, created

    def manager_token(self, application: Application) -> str:
        """The personal link token of the application's cluster manager, issued as of the
        submission: a retried submission shows the very same token."""
        return links.issue(
            self.link_secret,
            application.application_id,
            applications.manager(application).participant_id,
            links.Scope.MANAGER,
            now=application.submitted_at,
            lifetime=self.link_lifetime,
        )

    def check_in_pass(self, application_id: str, participant_id: str) -> str:
        """The participant's check-in pass (their page shows it as a QR code for the desk),
        valid as long as a personal link issued now."""
        return links.issue(
            self.link_secret,
            application_id,
            participant_id,
            links.Scope.CHECK_IN,
            now=now(),
            lifetime=self.link_lifetime,
        )

    async def _get(self, application_id: str) -> Application:
        application = await self.store.get(application_id)
        if application is None:
            raise ApplicationNotFound(application_id)
        return application

    async def read(self, application_id: str, grant: links.Grant) -> Application:
        """The application, for its cluster manager's link only."""
        application = await self._get(application_id)
        applications.check_managed_by(application, grant)
        return application

    async def person(
        self, application_id: str, participant_id: str, grant: links.Grant
    ) -> tuple[Application, Participant]:
        """The application and the one participant ``grant`` is the link of."""
        application = await self._get(application_id)
        return application, applications.named_person(application, grant, participant_id)

    async def request_links(self, email: str) -> int:
        """Record a LinkRequested on every application naming ``email`` (none for an unknown
        address); how many. The caller answers the same whatever this finds."""
        requested = 0
        at = now()
        for application in await self.store.naming(email):
            event = applications.link_requested(application, email, at)
            if event is None:
                continue
            await self.store.record(application.application_id, outbox.envelope(event, self.source))
            self.relay.kick(self.store.collection, application.application_id)
            requested += 1
        return requested

    async def amend(
        self, application_id: str, grant: links.Grant, changes: ApplicationContentForm
    ) -> Application:
        current = await self.read(application_id, grant)
        edition = await find_edition(self.editions, current.edition_id)
        amended = applications.amend(
            current, changes, edition, new_participant_id=new_id, now=now()
        )
        if amended is None:
            return current
        application, event = amended
        await self.store.amend(outbox.envelope(event, self.source))
        self.relay.kick(self.store.collection, application_id)
        return application

    async def withdraw(
        self, application_id: str, grant: links.Grant, form: WithdrawalForm
    ) -> Application:
        current = await self.read(application_id, grant)
        edition = await find_edition(self.editions, current.edition_id)
        withdrawn = applications.withdraw(current, form, edition, now=now())
        if withdrawn is None:
            return current
        application, event = withdrawn
        await self.store.withdraw(outbox.envelope(event, self.source))
        self.relay.kick(self.store.collection, application_id)
        return application

    async def page(
        self, filters: ApplicationFilter, *, offset: int, limit: int
    ) -> tuple[list[Application], int]:
        """One page of the matching applications, oldest first, and how many match."""
        items = await self.store.find(filters, skip=offset, limit=limit)
        return items, await self.store.count(filters)

    async def export(self, filters: ApplicationFilter) -> list[Application]:
        return await self.store.find(filters)
