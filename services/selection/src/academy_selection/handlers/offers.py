"""Changing a published selection: offers confirmed, declined, withdrawn or lapsed, and the
promotions they cause. Each change is read, decided by the pure domain, and written with its
events in one conditional write; another replica's change in between makes it decide again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import OfferActor
from academy_kit import outbox
from academy_kit.clock import now
from academy_kit.outbox import OutboxRelay
from academy_selection.adapters.selections import SelectionStore
from academy_selection.domain import offers
from academy_selection.domain.offers import Transition
from academy_selection.domain.selection import Selection

log = logging.getLogger(__name__)

ATTEMPTS = 10


class NotPublished(Exception):
    """The edition's selection is not published yet."""


class Offers:
    def __init__(self, store: SelectionStore, relay: OutboxRelay, source: str) -> None:
        self._store = store
        self._relay = relay
        self._source = source

    async def confirm(self, edition_id: str, application_id: str, by: OfferActor) -> Selection:
        return await self._change(
            edition_id, lambda s, now: offers.confirm(s, application_id, by, now)
        )

    async def decline(self, edition_id: str, application_id: str) -> Selection:
        return await self._change(edition_id, lambda s, now: offers.decline(s, application_id, now))

    async def close_waitlist(self, edition_id: str) -> Selection:
        return await self._change(edition_id, offers.close_waitlist)

    async def withdraw(self, edition_id: str, application_id: str) -> None:
        """Release what a withdrawn application held, if the selection is published."""
        try:
            await self._change(edition_id, lambda s, now: offers.withdraw(s, application_id, now))
        except NotPublished:
            return

    async def sweep(self) -> None:
        """Lapse the offers past their deadline, and promote into the places they held."""
        for edition_id in await self._store.with_offers_due(now()):
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
            async with self._store.lock(edition_id):
                current = await self._store.get(edition_id)
                if current is None:
                    raise NotPublished(edition_id)
                transition = decide(current, now())
                if transition.selection == current:
                    return current
                changed = transition.selection.model_copy(update={"version": current.version + 1})
                envelopes: list[Envelope[Any]] = [
                    outbox.envelope(e, self._source) for e in transition.events
                ]
                written = await self._store.change(changed, current.version, envelopes)
            if written:
                for event in transition.events:
                    log.info("%s %s", type(event).__name__, event.key)
                if envelopes:
                    self._relay.kick()
                return changed
        raise RuntimeError(f"the selection of {edition_id} kept changing under {ATTEMPTS} tries")
