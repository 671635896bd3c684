"""Published selections in selection's own database: one document per edition holding every
decision, with the outbox entries of the change that last wrote it.

Publishing inserts the document, keyed by the edition id, so a second publication collides and
emits nothing. Every later change (a confirmation, a lapse with its promotion) replaces the
decisions in one write that also pushes the change's events, and only if the document is still
at the version it was read at. ``$push`` leaves the entries the relay has not published yet.

FerretDB 1.x applies updates without isolation, so the version check alone does not stop two
concurrent changes: a change reads, decides and writes under the document's lock
(:func:`academy_kit.mongo.document_lock`, which the relay's ``$pull`` also holds). The version
check still guards replicas against each other on MongoDB, whose updates are atomic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock
from academy_selection.domain.selection import Selection

SELECTIONS = "selections"
NEXT_DEADLINE = "next_offer_deadline"
"""A real date (the rest is JSON), so that the lapse sweep can query it."""


def _fields(selection: Selection) -> dict[str, Any]:
    doc = selection.model_dump(mode="json", exclude={"edition_id"})
    doc[NEXT_DEADLINE] = selection.next_offer_deadline
    return doc


class SelectionStore:
    collection = SELECTIONS

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._selections = db[SELECTIONS]

    def lock(self, edition_id: str) -> asyncio.Lock:
        """Held while a change reads, decides and writes the edition's selection."""
        return document_lock(self._selections, edition_id)

    async def ensure_indexes(self) -> None:
        await self._selections.create_index([(NEXT_DEADLINE, ASCENDING)], name="by_deadline")

    async def publish(self, selection: Selection, events: Sequence[Envelope[Any]]) -> bool:
        """Insert the edition's selection with its events; False if it was published before."""
        doc = {
            "_id": selection.edition_id,
            **_fields(selection),
            outbox.OUTBOX: outbox.entries(events),
        }
        try:
            await self._selections.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def change(
        self, selection: Selection, expected_version: int, events: Sequence[Envelope[Any]]
    ) -> bool:
        """Write the changed selection and its events if nobody changed it since
        ``expected_version``; ``selection.version`` must be the next one. Call it holding
        :meth:`lock`."""
        update: dict[str, Any] = {"$set": _fields(selection)}
        if events:
            update["$push"] = {outbox.OUTBOX: {"$each": outbox.entries(events)}}
        result = await self._selections.update_one(
            {"_id": selection.edition_id, "version": expected_version}, update
        )
        return result.modified_count == 1

    async def get(self, edition_id: str) -> Selection | None:
        doc = await self._selections.find_one({"_id": edition_id}, {outbox.OUTBOX: 0})
        if doc is None:
            return None
        return Selection.model_validate({**doc, "edition_id": doc["_id"]})

    async def with_offers_due(self, now: datetime) -> list[str]:
        """Editions with an open offer whose deadline has passed."""
        cursor = self._selections.find({NEXT_DEADLINE: {"$lt": now}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor]

    async def exists(self, edition_id: str) -> bool:
        return await self._selections.count_documents({"_id": edition_id}, limit=1) > 0
