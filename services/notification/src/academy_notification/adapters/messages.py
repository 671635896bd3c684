"""The messages collection: one document per (source event, recipient, template), recorded
before anything is sent and updated after each attempt.

``_id`` is the message's unique key, so recording the messages of a redelivered event inserts
nothing new. Each document also carries the rendered subject and body (what staff see is what
was sent), the RFC 5322 Message-ID it goes out with (the same at every attempt, so a mail store
recognises a resend after a crash as the same message), its status, the log of its attempts
(time, outcome, error) and the error of its current status if failed or retrying, and until the
relay publishes it, the NotificationDelivered/Failed event of its last update.

The mail dispatcher finds what is due without reading the messages: every pending message has
an entry in the ``mail_due`` collection whose ``_id`` is ``<next attempt instant>|<message
id>``, so the entries, which only pending messages have, sort by when they are due, and each
message is then read by ``_id``. FerretDB on SQLite reads a whole collection for any filter but
``_id`` and for any sort (``status`` sorted by ``next_attempt_at`` over every message ever sent
was most of the store's work); the due collection stays as small as the backlog. MongoDB serves
the same shapes from the ``_id`` index.

An entry is written after its message and moved or removed beside the message's update, so a
crash in between leaves a message without its entry, or an entry whose message has moved on:
an entry is only trusted when its message is still pending with the same next attempt (any
other is removed when read), and the first read after a start adds the entry of every pending
message that lacks one (one scan per start, as the outbox relay's).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock
from academy_notification.domain.messages import Status

MESSAGES = "messages"
DUE = "mail_due"
DUPLICATE_KEY = 11000


def due_key(at: datetime, message_id: str) -> str:
    """The ``_id`` of a message's due entry: its instant first, fixed width, in UTC, so the
    entries sort as their instants do."""
    return f"{at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}|{message_id}"


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
        self._due = db[DUE]
        self._due_complete = False
        """Whether every pending message is known to have its due entry (after the first scan
        of this process)."""

    async def ensure_indexes(self) -> None:
        await self._messages.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
        await self._messages.create_index([("created_at", DESCENDING)])

    async def record(self, docs: list[Document]) -> int:
        """Insert the messages not recorded yet, then their due entries; how many were new."""
        if not docs:
            return 0
        try:
            await self._messages.insert_many(docs, ordered=False)
            new = docs
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            refused = {error["index"] for error in errors}
            new = [doc for n, doc in enumerate(docs) if n not in refused]
        await self._add_due(new)
        return len(new)

    async def _add_due(self, docs: list[Document]) -> None:
        entries = [
            {"_id": due_key(doc["next_attempt_at"], doc["_id"]), "message_id": doc["_id"]}
            for doc in docs
        ]
        if not entries:
            return
        try:
            await self._due.insert_many(entries, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise

    async def known(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` already recorded (read one by one by ``_id``: a handful per
        event, and ``$in`` reads the whole collection on FerretDB)."""
        found = await asyncio.gather(
            *(self._messages.find_one({"_id": key}, {"_id": 1}) for key in ids)
        )
        return {doc["_id"] for doc in found if doc is not None}

    async def pending(self, limit: int) -> list[Document]:
        """Up to ``limit`` messages still to send, the earliest ``next_attempt_at`` first."""
        if not self._due_complete:
            cursor = self._messages.find(
                {"status": Status.PENDING.value}, {"_id": 1, "next_attempt_at": 1}
            )
            await self._add_due([doc async for doc in cursor])
            self._due_complete = True
        found: list[Document] = []
        while True:  # again after removing stale entries, which took the place of due ones
            wanted = limit - len(found)
            cursor = self._due.find({}).sort("_id", ASCENDING).skip(len(found)).limit(wanted)
            entries = [entry async for entry in cursor]
            docs = await asyncio.gather(*(self.get(entry["message_id"]) for entry in entries))
            stale = False
            for entry, doc in zip(entries, docs, strict=True):
                if doc is not None and entry["_id"] == _due_entry(doc):
                    found.append(doc)
                else:  # its message was sent, failed or moved on before a crash
                    await self._due.delete_one({"_id": entry["_id"]})
                    stale = True
            if not stale or len(entries) < wanted:
                return found

    async def mark(
        self,
        doc: Document,
        changes: Document,
        attempt: Document,
        events: list[Envelope[IntegrationEvent]] | None = None,
    ) -> bool:
        """Apply an attempt's outcome to a pending message and add the attempt to its log,
        with its outcome event in the same write, then move or remove its due entry; False
        when the message was no longer pending."""
        update: Document = {"$set": changes, "$push": {"log": attempt}}
        if events:
            update["$push"][outbox.OUTBOX] = {"$each": outbox.entries(events)}
        async with document_lock(self._messages, doc["_id"]):
            stored = await self._messages.find_one({"_id": doc["_id"]}, {"status": 1})
            if stored is None or stored["status"] != Status.PENDING.value:
                return False
            # the entries beside the update: whatever a crash leaves between them is mended by
            # the read (a stale entry is dropped, a missing one added at the next start)
            updated = {**doc, **changes}
            await asyncio.gather(
                self._messages.update_one({"_id": doc["_id"]}, update),
                self._add_due([updated] if _due_entry(updated) is not None else []),
                self._due.delete_one({"_id": due_key(doc["next_attempt_at"], doc["_id"])}),
            )
        return True

    async def requeue(self, message_id: str, changes: Document, entry: Document) -> bool:
        """Put a failed message back in the queue (``changes`` make it pending) with ``entry``
        in its log, then give it its due entry; False when it was not failed."""
        async with document_lock(self._messages, message_id):
            result = await self._messages.update_one(
                {"_id": message_id, "status": Status.FAILED.value},
                {"$set": changes, "$push": {"log": entry}},
            )
        if result.modified_count != 1:
            return False
        await self._add_due([{"_id": message_id, "next_attempt_at": changes["next_attempt_at"]}])
        return True

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


def _due_entry(doc: Document) -> str | None:
    """The due entry a message should have: one while it is pending."""
    if doc.get("status") != Status.PENDING.value:
        return None
    return due_key(doc["next_attempt_at"], doc["_id"])
