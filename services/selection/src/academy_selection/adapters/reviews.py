"""Reviews in selection's own database: one document per (application, reviewer), so a revised
review replaces the reviewer's earlier one and two reviewers never write the same document."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.mongo import Document, document_lock
from academy_selection.domain.reviews import Review

REVIEWS = "reviews"


def pair_key(application_id: str, reviewer: str) -> str:
    """The ``_id`` of what one reviewer says of one application (a review, a conflict)."""
    # Application ids hold no ':', so the first one separates the two parts unambiguously.
    return f"{application_id}:{reviewer}"


def _review(doc: Document) -> Review:
    return Review.model_validate(doc)


class ReviewStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._reviews = db[REVIEWS]

    async def ensure_indexes(self) -> None:
        await self._reviews.create_index([("edition_id", ASCENDING)], name="by_edition")
        await self._reviews.create_index([("application_id", ASCENDING)], name="by_application")

    async def put(self, review: Review) -> bool:
        """Store the reviewer's review of the application; True if it is their first."""
        key = pair_key(review.application_id, review.reviewer)
        async with document_lock(self._reviews, key):  # a reviewer's double submission
            result = await self._reviews.replace_one(
                {"_id": key}, review.model_dump(mode="json"), upsert=True
            )
        return result.upserted_id is not None

    async def of_application(self, application_id: str) -> list[Review]:
        cursor = self._reviews.find({"application_id": application_id})
        return [_review(doc) async for doc in cursor.sort("_id", ASCENDING)]

    async def of_edition(self, edition_id: str) -> list[Review]:
        cursor = self._reviews.find({"edition_id": edition_id})
        return [_review(doc) async for doc in cursor.sort("_id", ASCENDING)]

    async def exist(self, edition_id: str) -> bool:
        return await self._reviews.count_documents({"edition_id": edition_id}, limit=1) > 0
