"""Editions as staff last set them: one document per edition, holding its latest
EditionPublished and, until the relay has sent them, its events."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import EditionPublished
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock
from academy_registration.domain.failures import ConcurrentChange, EditionExists

EDITIONS = "editions"


class EditionStore:
    collection = EDITIONS

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._editions = db[EDITIONS]

    async def create(self, envelope: Envelope[EditionPublished]) -> None:
        edition = envelope.data
        try:
            await self._editions.insert_one(
                {
                    "_id": edition.edition_id,
                    **edition.model_dump(mode="json", exclude={"edition_id"}),
                    outbox.OUTBOX: outbox.entries([envelope]),
                }
            )
        except DuplicateKeyError:
            raise EditionExists(edition.edition_id) from None

    async def replace(self, envelope: Envelope[EditionPublished]) -> None:
        """Store the next revision; :class:`ConcurrentChange` when another got there first."""
        edition = envelope.data
        async with document_lock(self._editions, edition.edition_id):
            result = await self._editions.update_one(
                {"_id": edition.edition_id, "revision": edition.revision - 1},
                {
                    "$set": edition.model_dump(mode="json", exclude={"edition_id"}),
                    "$push": {outbox.OUTBOX: {"$each": outbox.entries([envelope])}},
                },
            )
        if result.modified_count != 1:
            raise ConcurrentChange(edition.edition_id)

    async def get(self, edition_id: str) -> EditionPublished | None:
        doc = await self._editions.find_one({"_id": edition_id}, {outbox.OUTBOX: 0})
        return None if doc is None else _edition(doc)

    async def all(self) -> list[EditionPublished]:
        cursor = self._editions.find({}, {outbox.OUTBOX: 0}).sort("_id")
        return [_edition(doc) async for doc in cursor]


def _edition(doc: Document) -> EditionPublished:
    return EditionPublished.model_validate({"edition_id": doc["_id"], **doc})
