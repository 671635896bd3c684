"""The registration service's MongoDB store: one document per application, embedding the
outbox entries of the change that wrote it."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationSubmitted
from academy_kit import outbox
from academy_kit.mongo import Document

APPLICATIONS = "applications"
OUTBOX_COLLECTIONS = (APPLICATIONS,)


class DuplicateApplication(Exception):
    def __init__(self, existing_id: str) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


class ApplicationStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._applications = db[APPLICATIONS]

    async def ensure_indexes(self) -> None:
        # One application per cluster (ECCP id) and edition.
        await self._applications.create_index(
            [("edition_id", ASCENDING), ("cluster.eccp_id", ASCENDING)],
            unique=True,
            name="one_application_per_cluster_and_edition",
        )

    async def add(self, envelope: Envelope[ApplicationSubmitted]) -> None:
        """Insert the application and its ApplicationSubmitted event in one write."""
        event = envelope.data
        doc = {
            "_id": event.application_id,
            "status": "submitted",
            **event.model_dump(mode="json", exclude={"application_id"}),
            outbox.OUTBOX: outbox.entries([envelope]),
        }
        try:
            await self._applications.insert_one(doc)
        except DuplicateKeyError:
            existing = await self._applications.find_one(
                {"edition_id": event.edition_id, "cluster.eccp_id": event.cluster.eccp_id},
                {"_id": 1},
            )
            if existing is None:
                raise
            raise DuplicateApplication(existing["_id"]) from None

    async def count(self) -> int:
        return await self._applications.count_documents({})

    async def pending_events(self, application_id: str) -> int | None:
        """How many of the application's events the relay has not published yet."""
        doc = await self._applications.find_one({"_id": application_id}, {outbox.OUTBOX: 1})
        return None if doc is None else len(doc[outbox.OUTBOX])

    async def get(self, application_id: str) -> Document | None:
        return await self._applications.find_one({"_id": application_id}, {outbox.OUTBOX: 0})
