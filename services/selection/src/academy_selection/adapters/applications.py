"""Applications in selection's own database: one document per application at its latest
revision, embedding the outbox entries (ApplicationScreened) of the write that screened it.

Every update holds the document's lock (:func:`academy_kit.mongo.document_lock`): the
consumer (an application's events, and an edition's screening what waited for it) and the
relay's ``$pull`` update these documents, and FerretDB 1.x would lose one of two concurrent
updates."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationScreened
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock, keep_newer
from academy_selection.domain.applications import Application, ApplicationStatus, Screening

APPLICATIONS = "applications"
AWAITING = "awaiting_edition"
"""Applications stored before their edition was known, one small document each: FerretDB 1.x
answers a query on any field but ``_id`` by reading the whole collection, so the edition's
arrival looks here rather than through every application."""


def _application(doc: Document) -> Application:
    return Application.model_validate({**doc, "application_id": doc["_id"]})


class ApplicationStore:
    collection = APPLICATIONS

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._applications = db[APPLICATIONS]
        self._awaiting = db[AWAITING]

    async def ensure_indexes(self) -> None:
        await self._applications.create_index([("edition_id", ASCENDING)], name="by_edition")
        await self._awaiting.create_index([("edition_id", ASCENDING)], name="by_edition")

    async def record(
        self, application: Application, screened: Envelope[ApplicationScreened] | None
    ) -> bool:
        """Store this revision with its screening event, in one write, unless the store already
        holds this revision or a newer one (a redelivered, replayed or late older event); True
        if it was stored."""
        doc = application.model_dump(mode="json", exclude={"application_id", "revision"})
        if application.submitted_at is None:  # an amendment keeps the submission's instant
            del doc["submitted_at"]
        push = None if screened is None else {outbox.OUTBOX: {"$each": outbox.entries([screened])}}
        return await keep_newer(
            self._applications,
            application.application_id,
            ("revision", application.revision),
            doc,
            push=push,
        )

    async def add_screening(
        self, application_id: str, screening: Screening, screened: Envelope[ApplicationScreened]
    ) -> bool:
        """Screen a pending revision with its event in one write; False if it is no longer
        pending (screened meanwhile, or superseded by a newer revision)."""
        async with document_lock(self._applications, application_id):
            result = await self._applications.update_one(
                {"_id": application_id, "revision": screening.revision, "screening": None},
                {
                    "$set": {"screening": screening.model_dump(mode="json")},
                    "$push": {outbox.OUTBOX: {"$each": outbox.entries([screened])}},
                },
            )
        return result.modified_count == 1

    async def withdraw(self, application_id: str, revision: int) -> bool:
        """Mark the application withdrawn unless this revision (or a newer) is already known."""
        async with document_lock(self._applications, application_id):
            result = await self._applications.update_one(
                {"_id": application_id, "revision": {"$lt": revision}},
                {"$set": {"status": ApplicationStatus.WITHDRAWN.value, "revision": revision}},
            )
        return result.modified_count == 1

    async def get(self, application_id: str) -> Application | None:
        doc = await self._applications.find_one({"_id": application_id}, {outbox.OUTBOX: 0})
        return None if doc is None else _application(doc)

    async def of_edition(self, edition_id: str) -> list[Application]:
        cursor = self._applications.find({"edition_id": edition_id}, {outbox.OUTBOX: 0})
        return [_application(doc) async for doc in cursor.sort("_id", ASCENDING)]

    async def await_edition(self, application_id: str, edition_id: str) -> None:
        """Note that the application waits for its edition to be screened."""
        async with document_lock(self._awaiting, application_id):
            await self._awaiting.update_one(
                {"_id": application_id}, {"$set": {"edition_id": edition_id}}, upsert=True
            )

    async def awaiting(self, edition_id: str) -> list[str]:
        """The applications waiting for this edition."""
        return [doc["_id"] async for doc in self._awaiting.find({"edition_id": edition_id})]

    async def done_awaiting(self, application_id: str) -> None:
        await self._awaiting.delete_one({"_id": application_id})
