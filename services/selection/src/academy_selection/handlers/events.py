"""What the selection service does with each event it consumes.

Every step is one conditional write keyed by a natural key (the edition id or application id
with its revision), so a redelivered or replayed event finds its write already done and changes
nothing; a handler always runs all its steps, so a crash between two of them is repaired by the
redelivery that follows.
"""

from __future__ import annotations

import logging

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    EditionPublished,
    IntegrationEvent,
)
from academy_kit import outbox
from academy_kit.clock import now
from academy_kit.outbox import OutboxRelay
from academy_selection.adapters.applications import ApplicationStore
from academy_selection.adapters.editions import EditionStore
from academy_selection.domain.applications import Application, ApplicationStatus, Screening
from academy_selection.domain.editions import Edition
from academy_selection.domain.screening import screen
from academy_selection.handlers.offers import Offers

log = logging.getLogger(__name__)


class EventHandlers:
    def __init__(
        self,
        *,
        applications: ApplicationStore,
        editions: EditionStore,
        offers: Offers,
        relay: OutboxRelay,
        source: str,
    ) -> None:
        self._applications = applications
        self._editions = editions
        self._offers = offers
        self._relay = relay
        self._source = source

    async def handle(self, envelope: Envelope[IntegrationEvent]) -> None:
        event = envelope.data
        if isinstance(event, EditionPublished):
            await self._on_edition(event)
        elif isinstance(event, ApplicationSubmitted | ApplicationUpdated):
            await self._on_content(event)
        elif isinstance(event, ApplicationWithdrawn):
            await self._on_withdrawn(event)

    async def _on_edition(self, event: EditionPublished) -> None:
        edition = Edition.from_event(event)
        kept = await self._editions.record(edition)
        log.info("edition %s revision %s %s", event.edition_id, event.revision, _kept(kept))
        # Not kept: the same or a newer revision is stored, and screens by that one.
        stored = edition if kept else await self._editions.get(event.edition_id)
        if stored is not None:
            await self._screen_pending(stored)

    async def _on_content(self, event: ApplicationSubmitted | ApplicationUpdated) -> None:
        application = Application.from_event(event)
        edition = await self._editions.get(event.edition_id)
        screened = None
        if edition is not None:
            screening = screen(application, edition.eligibility, now())
            application = application.model_copy(update={"screening": screening})
            screened = self._screened(application, screening)
        kept = await self._applications.record(application, screened)
        log.info(
            "application %s revision %s %s",
            application.application_id,
            application.revision,
            _kept(kept),
        )
        if screened is not None:
            self._relay.kick()
            return
        await self._applications.await_edition(application.application_id, event.edition_id)
        # The edition may have been stored after we looked and before this application was:
        # its own handler then missed the application, so look again now that it waits.
        edition = await self._editions.get(event.edition_id)
        if edition is not None:
            await self._screen_pending(edition)

    async def _on_withdrawn(self, event: ApplicationWithdrawn) -> None:
        kept = await self._applications.withdraw(event.application_id, event.revision)
        log.info("application %s withdrawn %s", event.application_id, _kept(kept))
        await self._offers.withdraw(event.edition_id, event.application_id)

    async def _screen_pending(self, edition: Edition) -> None:
        """Screen the applications that arrived before their edition, each in its own write;
        one that is screened meanwhile or withdrawn just stops waiting."""
        screened_any = False
        for application_id in await self._applications.awaiting(edition.edition_id):
            application = await self._applications.get(application_id)
            if (
                application is not None
                and application.screening is None
                and application.status is ApplicationStatus.ACTIVE
            ):
                screening = screen(application, edition.eligibility, now())
                screened_any |= await self._applications.add_screening(
                    application_id, screening, self._screened(application, screening)
                )
            await self._applications.done_awaiting(application_id)
        if screened_any:
            self._relay.kick()

    def _screened(
        self, application: Application, screening: Screening
    ) -> Envelope[ApplicationScreened]:
        event = ApplicationScreened(
            application_id=application.application_id,
            edition_id=application.edition_id,
            revision=screening.revision,
            eligible=screening.eligible,
            reasons=screening.reasons,
            screened_at=screening.screened_at,
        )
        return outbox.envelope(event, self._source)


def _kept(kept: bool) -> str:
    return "recorded" if kept else "already known (unchanged)"
