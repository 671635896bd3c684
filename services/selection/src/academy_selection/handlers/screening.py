"""Registration's editions and applications into selection's store, each revision screened for
eligibility once its edition is known.

Every step is one conditional write keyed by a natural key (the edition id or application id
with its revision), so a redelivered or replayed event finds its write already done and changes
nothing; a handler always runs all its steps, so a crash between two of them is repaired by the
redelivery that follows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    EditionPublished,
)
from academy_kit import outbox
from academy_kit.clock import now
from academy_selection.domain.applications import Application, ApplicationStatus
from academy_selection.domain.editions import Edition
from academy_selection.domain.screening import screen_revision
from academy_selection.handlers.ports import Applications, Editions, Relay

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Screener:
    applications: Applications
    editions: Editions
    relay: Relay
    source: str

    async def record_edition(self, envelope: Envelope[EditionPublished]) -> None:
        """Keep the newest revision of the edition, and screen what waited for it."""
        event = envelope.data
        edition = Edition.from_event(event)
        kept = await self.editions.record(edition)
        log.info("edition %s revision %s %s", event.edition_id, event.revision, _kept(kept))
        # Not kept: the same or a newer revision is stored, and screens by that one.
        stored = edition if kept else await self._edition(event.edition_id)
        if stored is not None:
            await self._screen_waiting(stored)

    async def record_application(
        self, envelope: Envelope[ApplicationSubmitted] | Envelope[ApplicationUpdated]
    ) -> None:
        """Keep the newest revision, screened in the same write when its edition is known;
        otherwise it waits for its edition."""
        event = envelope.data
        application = Application.from_event(event)
        edition = await self._edition(event.edition_id)
        screened = None
        if edition is not None:
            screening, found = screen_revision(application, edition.eligibility, now())
            application = application.model_copy(update={"screening": screening})
            screened = outbox.envelope(found, self.source)
        kept = await self.applications.record(application, screened)
        log.info(
            "application %s revision %s %s",
            application.application_id,
            application.revision,
            _kept(kept),
        )
        if screened is not None:
            if kept:  # a redelivered or older revision wrote nothing to publish
                self.relay.kick(self.applications.collection, application.application_id)
            return
        await self.applications.await_edition(application.application_id, event.edition_id)
        # The edition may have been stored after we looked and before this application was:
        # its own handler then missed the application, so look again now that it waits.
        edition = await self._edition(event.edition_id)
        if edition is not None:
            await self._screen_waiting(edition)

    async def record_withdrawal(self, envelope: Envelope[ApplicationWithdrawn]) -> None:
        event = envelope.data
        kept = await self.applications.withdraw(event.application_id, event.revision)
        log.info("application %s withdrawn %s", event.application_id, _kept(kept))

    async def _edition(self, edition_id: str) -> Edition | None:
        terms = await self.editions.find(edition_id)
        return None if terms is None else terms.edition

    async def _screen_waiting(self, edition: Edition) -> None:
        """Screen the applications that arrived before their edition, each in its own write;
        one that is screened meanwhile or withdrawn just stops waiting."""
        for application_id in await self.applications.awaiting(edition.edition_id):
            application = await self.applications.get(application_id)
            if (
                application is not None
                and application.screening is None
                and application.status is ApplicationStatus.ACTIVE
            ):
                screening, event = screen_revision(application, edition.eligibility, now())
                if await self.applications.add_screening(
                    application_id, screening, outbox.envelope(event, self.source)
                ):
                    self.relay.kick(self.applications.collection, application_id)
            await self.applications.done_awaiting(application_id)


def _kept(kept: bool) -> str:
    return "recorded" if kept else "already known (unchanged)"
