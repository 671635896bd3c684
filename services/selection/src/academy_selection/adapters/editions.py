"""Editions in selection's own database: what EditionPublished said (highest revision wins),
beside the review policy and balance rules staff set for the edition here.

The edition consumer and staff's requests update one document, so every update holds its lock
(:func:`academy_kit.mongo.document_lock`)."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.mongo import Document, document_lock, keep_newer
from academy_selection.domain.editions import Edition, EditionTerms
from academy_selection.domain.reviews import ReviewPolicy
from academy_selection.domain.selection import BalancePolicy

EDITIONS = "editions"
REVIEW_POLICY = "review_policy"
BALANCE = "balance"


class EditionStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._editions = db[EDITIONS]

    async def record(self, edition: Edition) -> bool:
        """Keep this revision unless the same or a newer one is stored; True if kept."""
        doc = edition.model_dump(mode="json", exclude={"edition_id", "revision"})
        return await keep_newer(
            self._editions, edition.edition_id, ("revision", edition.revision), doc
        )

    async def find(self, edition_id: str) -> EditionTerms | None:
        """The edition with its review policy and balance rules, in one read."""
        doc = await self._editions.find_one({"_id": edition_id})
        if doc is None:
            return None
        policy, balance = doc.get(REVIEW_POLICY), doc.get(BALANCE)
        return EditionTerms(
            edition=Edition.model_validate({**doc, "edition_id": doc["_id"]}),
            review_policy=ReviewPolicy() if policy is None else ReviewPolicy.model_validate(policy),
            balance=BalancePolicy() if balance is None else BalancePolicy.model_validate(balance),
        )

    async def set_review_policy(self, edition_id: str, policy: ReviewPolicy) -> bool:
        """False when the edition is unknown."""
        return await self._set(edition_id, REVIEW_POLICY, policy.model_dump(mode="json"))

    async def set_balance(self, edition_id: str, policy: BalancePolicy) -> bool:
        """False when the edition is unknown."""
        return await self._set(edition_id, BALANCE, policy.model_dump(mode="json"))

    async def _set(self, edition_id: str, field: str, value: dict[str, Any]) -> bool:
        async with document_lock(self._editions, edition_id):
            result = await self._editions.update_one({"_id": edition_id}, {"$set": {field: value}})
        return result.matched_count == 1
