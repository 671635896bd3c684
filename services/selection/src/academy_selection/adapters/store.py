"""The selection service's MongoDB store: one document per candidate, keyed by application id."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.mongo import Document
from academy_selection.domain.candidates import Candidate

CANDIDATES = "candidates"


class CandidateStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._candidates = db[CANDIDATES]

    async def add_once(self, candidate: Candidate, event_id: str) -> bool:
        """Store the candidate unless it is already there; True if this call stored it.

        An upsert of ``$setOnInsert`` keyed by the application id makes a redelivered or
        replayed ApplicationSubmitted a no-op, in one write and without a transaction.
        """
        doc = candidate.model_dump(mode="json", exclude={"application_id"})
        result = await self._candidates.update_one(
            {"_id": candidate.application_id},
            {"$setOnInsert": {**doc, "source_event_id": event_id}},
            upsert=True,
        )
        return result.upserted_id is not None

    async def get(self, application_id: str) -> Candidate | None:
        doc = await self._candidates.find_one({"_id": application_id})
        if doc is None:
            return None
        return Candidate.model_validate({**doc, "application_id": doc["_id"]})

    async def count(self, edition_id: str) -> int:
        return await self._candidates.count_documents({"edition_id": edition_id})
