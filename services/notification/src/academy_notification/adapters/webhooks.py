"""Integrators' webhook subscriptions and the deliveries made to them.

A subscription names a URL, the event types it wants (``*`` for all) and the secret its
deliveries are signed with. A delivery is recorded per (event id, subscription) before any
attempt, so a redelivered event is delivered once; it keeps the CloudEvents JSON body it sends
and a log of every attempt (time, HTTP status or error).
"""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_kit.mongo import Document, document_lock
from academy_notification.domain.messages import Status

SUBSCRIPTIONS = "webhook_subscriptions"
DELIVERIES = "webhook_deliveries"
ALL_TYPES = "*"


class WebhookStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._subscriptions = db[SUBSCRIPTIONS]
        self._deliveries = db[DELIVERIES]

    async def ensure_indexes(self) -> None:
        await self._deliveries.create_index([("status", ASCENDING), ("next_attempt_at", 1)])
        await self._deliveries.create_index([("subscription_id", ASCENDING), ("created_at", 1)])

    async def subscribe(self, doc: Document) -> None:
        await self._subscriptions.insert_one(doc)

    async def subscriptions(self) -> list[Document]:
        return [doc async for doc in self._subscriptions.find({}).sort("created_at", ASCENDING)]

    async def subscription(self, subscription_id: str) -> Document | None:
        return await self._subscriptions.find_one({"_id": subscription_id})

    async def unsubscribe(self, subscription_id: str) -> bool:
        result = await self._subscriptions.delete_one({"_id": subscription_id})
        return result.deleted_count == 1

    async def subscribers(self, event_type: str) -> list[Document]:
        cursor = self._subscriptions.find({"event_types": {"$in": [event_type, ALL_TYPES]}})
        return [doc async for doc in cursor]

    async def record(self, doc: Document) -> bool:
        """Record a delivery unless it exists; True when new."""
        try:
            await self._deliveries.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def pending(self, limit: int) -> list[Document]:
        """Up to ``limit`` deliveries still to make, the earliest ``next_attempt_at`` first."""
        cursor = self._deliveries.find({"status": Status.PENDING.value})
        return [doc async for doc in cursor.sort("next_attempt_at", ASCENDING).limit(limit)]

    async def attempted(self, doc: Document, changes: Document, attempt: Document) -> None:
        """Record one attempt in the delivery's log with its outcome."""
        async with document_lock(self._deliveries, doc["_id"]):
            await self._deliveries.update_one(
                {"_id": doc["_id"], "status": Status.PENDING.value},
                {"$set": changes, "$push": {"log": attempt}},
            )

    async def delivery(self, delivery_id: str) -> Document | None:
        return await self._deliveries.find_one({"_id": delivery_id}, {"body": 0})

    async def requeue(self, delivery_id: str, changes: Document, entry: Document) -> bool:
        """Put a failed delivery back in the queue with ``entry`` in its log; False when it
        was not failed."""
        async with document_lock(self._deliveries, delivery_id):
            result = await self._deliveries.update_one(
                {"_id": delivery_id, "status": Status.FAILED.value},
                {"$set": changes, "$push": {"log": entry}},
            )
        return result.modified_count == 1

    async def deliveries(self, subscription_id: str) -> list[Document]:
        query = {"subscription_id": subscription_id}
        cursor = self._deliveries.find(query, {"body": 0}).sort("created_at", ASCENDING)
        return [doc async for doc in cursor]
