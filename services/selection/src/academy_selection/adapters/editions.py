"""Editions in selection's own database: what EditionPublished said (highest revision wins),
beside the review policy and balance rules staff set for the edition here.

The edition consumer and staff's requests update one document, so every update holds its lock
(:func:`academy_kit.mongo.document_lock`)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_kit.mongo import Document, document_lock
from academy_selection.domain.editions import Edition
from academy_selection.domain.reviews import ReviewPolicy

EDITIONS = "editions"
REVIEW_POLICY = "review_policy"
BALANCE = "balance"


class EditionStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._editions = db[EDITIONS]

    async def record(self, edition: Edition) -> bool:
        """Keep this revision unless the same or a newer one is stored; True if kept."""
        doc = edition.model_dump(mode="json", exclude={"edition_id"})
        try:
            async with document_lock(self._editions, edition.edition_id):
                await self._editions.update_one(
                    {"_id": edition.edition_id, "revision": {"$lt": edition.revision}},
                    {"$set": doc},
                    upsert=True,
                )
        except DuplicateKeyError:
            return False
        return True

    async def get(self, edition_id: str) -> Edition | None:
        doc = await self._editions.find_one({"_id": edition_id})
        return None if doc is None else Edition.model_validate({**doc, "edition_id": doc["_id"]})

    async def review_policy(self, edition_id: str) -> ReviewPolicy:
        """The edition's review policy, the defaults until staff set one."""
        doc = await self._editions.find_one({"_id": edition_id}, {REVIEW_POLICY: 1})
        stored = (doc or {}).get(REVIEW_POLICY)
        return ReviewPolicy() if stored is None else ReviewPolicy.model_validate(stored)

    async def set_review_policy(self, edition_id: str, policy: ReviewPolicy) -> bool:
        """False when the edition is unknown."""
        return await self._set(edition_id, REVIEW_POLICY, policy.model_dump(mode="json"))

    async def balance(self, edition_id: str) -> dict[str, Any] | None:
        """The balance rules staff set for the edition, as stored; None until they set any."""
        doc = await self._editions.find_one({"_id": edition_id}, {BALANCE: 1})
        stored: dict[str, Any] | None = (doc or {}).get(BALANCE)
        return stored

    async def set_balance(self, edition_id: str, rules: dict[str, Any]) -> bool:
        """False when the edition is unknown."""
        return await self._set(edition_id, BALANCE, rules)

    async def _set(self, edition_id: str, field: str, value: dict[str, Any]) -> bool:
        async with document_lock(self._editions, edition_id):
            result = await self._editions.update_one({"_id": edition_id}, {"$set": {field: value}})
        return result.matched_count == 1
