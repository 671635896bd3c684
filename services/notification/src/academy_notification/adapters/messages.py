"""The messages collection: one document per (source event, recipient, template), recorded
before anything is sent and updated after each attempt.

``_id`` is the message's unique key, so recording the messages of a redelivered event inserts
nothing new. Each document also carries the rendered subject and body (what staff see is what
was sent), the RFC 5322 Message-ID it goes out with (the same at every attempt, so a mail store
recognises a resend after a crash as the same message), its status, the log of its attempts
(time, outcome, error) and the error of its current status if failed or retrying, and until the
relay publishes it, the NotificationDelivered/Failed event of its last update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock
from academy_notification.domain.messages import Status

MESSAGES = "messages"
DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class MessageFilter:
    status: Status | None = None
    template: str | None = None
    recipient: str | None = None
    application_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Document:
        query: Document = {}
        for name in ("status", "template", "application_id"):
            value = getattr(self, name)
            if value is not None:
                query[name] = str(value)
        if self.recipient is not None:
            query["recipient"] = self.recipient.lower()
        created: Document = {}
        if self.since is not None:
            created["$gte"] = self.since
        if self.until is not None:
            created["$lt"] = self.until
        if created:
            query["created_at"] = created
        return query


class MessageStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._messages = db[MESSAGES]

    async def ensure_indexes(self) -> None:
        await self._messages.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self._messages.create_index([("created_at", DESCENDING)])

    async def record(self, docs: list[Document]) -> int:
        """Insert the messages not recorded yet; how many were new."""
        if not docs:
            return 0
        try:
            result = await self._messages.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def known(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` already recorded."""
        if not ids:
            return set()
        cursor = self._messages.find({"_id": {"$in": ids}}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def pending(self, limit: int) -> list[Document]:
        """Up to ``limit`` messages still to send, the earliest ``next_attempt_at`` first."""
        cursor = self._messages.find({"status": Status.PENDING.value}, {outbox.OUTBOX: 0})
        return [doc async for doc in cursor.sort("next_attempt_at", ASCENDING).limit(limit)]

    async def mark(
        self,
        doc: Document,
        changes: Document,
        attempt: Document,
        events: list[Envelope[IntegrationEvent]] | None = None,
    ) -> bool:
        """Apply an attempt's outcome to a pending message and add the attempt to its log,
        with its outcome event in the same write; False when the message was no longer
        pending."""
        update: Document = {"$set": changes, "$push": {"log": attempt}}
        if events:
            update["$push"][outbox.OUTBOX] = {"$each": outbox.entries(events)}
        async with document_lock(self._messages, doc["_id"]):
            result = await self._messages.update_one(
                {"_id": doc["_id"], "status": Status.PENDING.value}, update
            )
        return result.modified_count == 1

    async def get(self, message_id: str) -> Document | None:
        return await self._messages.find_one({"_id": message_id}, {outbox.OUTBOX: 0})

    async def find(
        self, where: MessageFilter, *, limit: int | None = None, skip: int = 0
    ) -> list[Document]:
        cursor = self._messages.find(where.query(), {outbox.OUTBOX: 0}).sort(
            [("created_at", DESCENDING), ("_id", ASCENDING)]
        )
        if skip:
            cursor = cursor.skip(skip)
        if limit is not None:
            cursor = cursor.limit(limit)
        return [doc async for doc in cursor]

    async def count(self, where: MessageFilter) -> int:
        return await self._messages.count_documents(where.query())
