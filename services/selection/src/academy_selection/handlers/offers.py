"""Changing a published selection: offers confirmed, declined, withdrawn or lapsed, the
waitlist closed, and the promotions they cause. Each change is read, decided by the pure domain,
and written with its events in one conditional write; another replica's change in between makes
it decide again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationWithdrawn, OfferActor
from academy_kit import outbox
from academy_kit.clock import now
from academy_selection.domain import offers
from academy_selection.domain.applications import Screening
from academy_selection.domain.failures import NotPublished, NotScreened
from academy_selection.domain.offers import Transition, decision_of
from academy_selection.domain.selection import Decision, Selection
from academy_selection.handlers import lookup
from academy_selection.handlers.ports import Applications, Editions, Relay, Selections

log = logging.getLogger(__name__)

ATTEMPTS = 10


@dataclass(frozen=True)
class Offers:
    applications: Applications
    editions: Editions
    selections: Selections
    relay: Relay
    source: str

    async def decision(self, application_id: str) -> Decision:
        """The application's decision in its edition's published selection."""
        application = await lookup.application(self.applications, application_id)
        selection = await self.selections.get(application.edition_id)
        if selection is None:
            raise NotPublished(application.edition_id)
        return decision_of(selection, application_id)

    async def screening(self, application_id: str) -> Screening:
        """The eligibility check of the application's latest revision: what its manager reads
        beside the decision, as the offer is read, so it lives with the offer's use cases."""
        application = await lookup.application(self.applications, application_id)
        if application.screening is None:
            raise NotScreened(application_id)
        return application.screening

    async def confirm(self, application_id: str, by: OfferActor) -> Decision:
        application = await lookup.application(self.applications, application_id)
        selection = await self._change(
            application.edition_id, lambda s, at: offers.confirm(s, application_id, by, at)
        )
        return decision_of(selection, application_id)

    async def decline(self, application_id: str, because: str | None = None) -> Decision:
        application = await lookup.application(self.applications, application_id)
        selection = await self._change(
            application.edition_id, lambda s, at: offers.decline(s, application_id, at, because)
        )
        return decision_of(selection, application_id)

    async def close_waitlist(self, edition_id: str) -> Selection:
        await lookup.edition_terms(self.editions, edition_id)
        return await self._change(edition_id, offers.close_waitlist)

    async def release_withdrawn(self, envelope: Envelope[ApplicationWithdrawn]) -> None:
        """Release what a withdrawn application held, if the selection is published."""
        event = envelope.data
        try:
            await self._change(
                event.edition_id, lambda s, at: offers.withdraw(s, event.application_id, at)
            )
        except NotPublished:
            return

    async def sweep(self) -> None:
        """Lapse the offers past their deadline, and promote into the places they held."""
        for edition_id in await self.selections.with_offers_due(now()):
            await self._change(edition_id, offers.lapse)

    async def run_sweeps(self, interval: float) -> None:
        """Sweep every ``interval`` seconds until cancelled; a failed sweep is retried."""
        while True:
            try:
                await self.sweep()
            except Exception:
                log.exception("offer lapse sweep failed; retrying in %s s", interval)
            await asyncio.sleep(interval)

    async def _change(
        self, edition_id: str, decide: Callable[[Selection, datetime], Transition]
    ) -> Selection:
        for _ in range(ATTEMPTS):
            async with self.selections.lock(edition_id):
                current = await self.selections.get(edition_id)
                if current is None:
                    raise NotPublished(edition_id)
                transition = decide(current, now())
                if transition.selection == current:
                    return current
                changed = transition.selection.model_copy(update={"version": current.version + 1})
                envelopes: list[Envelope[Any]] = [
                    outbox.envelope(e, self.source) for e in transition.events
                ]
                written = await self.selections.change(changed, current.version, envelopes)
            if written:
                for event in transition.events:
                    log.info("%s %s", type(event).__name__, event.key)
                if envelopes:
                    self.relay.kick(self.selections.collection, edition_id)
                return changed
        raise RuntimeError(f"the selection of {edition_id} kept changing under {ATTEMPTS} tries")
