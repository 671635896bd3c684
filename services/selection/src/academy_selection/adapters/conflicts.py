"""Declared conflicts of interest in selection's own database: one document per (application,
reviewer), so declaring the same conflict twice keeps the first declaration."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_kit.mongo import Document
from academy_selection.adapters.reviews import pair_key
from academy_selection.domain.reviews import Conflict

CONFLICTS = "conflicts"


class ConflictStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._conflicts = db[CONFLICTS]

    async def ensure_indexes(self) -> None:
        await self._conflicts.create_index([("edition_id", ASCENDING)], name="by_edition")

    async def add(self, conflict: Conflict) -> bool:
        """Record the conflict; False if it was declared before (the first one stands)."""
        doc = {
            "_id": pair_key(conflict.application_id, conflict.reviewer),
            **conflict.model_dump(mode="json"),
        }
        try:
            await self._conflicts.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, application_id: str, reviewer: str) -> Conflict | None:
        doc = await self._conflicts.find_one({"_id": pair_key(application_id, reviewer)})
        return None if doc is None else Conflict.model_validate(doc)

    async def of_edition(self, edition_id: str) -> list[Conflict]:
        cursor = self._conflicts.find({"edition_id": edition_id})
        return [Conflict.model_validate(doc) async for doc in cursor.sort("_id", ASCENDING)]
