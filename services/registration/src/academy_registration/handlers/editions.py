"""Editions: admins create and change them (each revision → EditionPublished); anyone reads
them; the first edition, as the call announced it, is created at start when absent."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.events import EditionPublished
from academy_kit import outbox
from academy_kit.clock import now
from academy_registration.domain.editions import (
    FIRST_EDITION,
    FIRST_EDITION_ID,
    EditionForm,
    NewEdition,
    publish,
)
from academy_registration.handlers.ports import EditionStore, Relay, find_edition


@dataclass(frozen=True)
class Editions:
    store: EditionStore
    relay: Relay
    source: str

    async def create(self, form: NewEdition) -> EditionPublished:
        event = publish(form.edition_id, form, revision=1, now=now())
        await self.store.create(outbox.envelope(event, self.source))
        self.relay.kick(self.store.collection, event.edition_id)
        return event

    async def change(self, edition_id: str, form: EditionForm) -> EditionPublished:
        """The new revision (:class:`ConcurrentChange` when another change got there first)."""
        current = await find_edition(self.store, edition_id)
        event = publish(edition_id, form, revision=current.revision + 1, now=now())
        await self.store.replace(outbox.envelope(event, self.source))
        self.relay.kick(self.store.collection, edition_id)
        return event

    async def get(self, edition_id: str) -> EditionPublished:
        return await find_edition(self.store, edition_id)

    async def all(self) -> list[EditionPublished]:
        return await self.store.all()

    async def seed_first_edition(self) -> None:
        """Create the first edition the call announced, unless it exists (at every start)."""
        if await self.store.get(FIRST_EDITION_ID) is None:
            await self.create(NewEdition(edition_id=FIRST_EDITION_ID, **FIRST_EDITION.model_dump()))
