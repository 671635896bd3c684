"""Who may be checked in, as learned from the selection's events, and the check-ins made.

``selections`` holds one document per application, written only by ClusterSelected and
ClusterRejected: the latest decision wins (by its own time), so a redelivered or late older
decision changes nothing. ``check_ins`` holds one document per (edition, session, participant):
its id is that natural key, so the same check-in twice is one document and one event.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import SessionAttended
from academy_contracts.values import Participant
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock

SELECTIONS = "selections"
CHECK_INS = "check_ins"


def check_in_id(edition_id: str, session_id: str, participant_id: str) -> str:
    return f"{edition_id}:{session_id}:{participant_id}"


class AttendanceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._selections = db[SELECTIONS]
        self._check_ins = db[CHECK_INS]

    async def ensure_indexes(self) -> None:
        await self._selections.create_index([("edition_id", ASCENDING), ("status", ASCENDING)])
        await self._check_ins.create_index([("edition_id", ASCENDING), ("session_id", 1)])

    async def decide(
        self,
        *,
        application_id: str,
        edition_id: str,
        selected: bool,
        participants: list[Participant],
        decided_at: datetime,
        cluster_name: str,
    ) -> None:
        """Record a selection decision unless a later one is already recorded."""
        try:
            async with document_lock(self._selections, application_id):
                await self._selections.update_one(
                    {"_id": application_id, "decided_at": {"$lt": decided_at}},
                    {
                        "$set": {
                            "edition_id": edition_id,
                            "status": "selected" if selected else "not_selected",
                            "cluster_name": cluster_name,
                            "participants": [p.model_dump(mode="json") for p in participants],
                            "decided_at": decided_at,
                        }
                    },
                    upsert=True,
                )
        except DuplicateKeyError:
            return  # a decision at least as recent is already there

    async def application_of_selected(self, edition_id: str, participant_id: str) -> str | None:
        """The application of a participant of a cluster selected for the edition, if any."""
        doc = await self._selections.find_one(
            {
                "edition_id": edition_id,
                "status": "selected",
                "participants.participant_id": participant_id,
            },
            {"_id": 1},
        )
        return None if doc is None else str(doc["_id"])

    async def selected(self, edition_id: str) -> list[Document]:
        cursor = self._selections.find({"edition_id": edition_id, "status": "selected"})
        return [doc async for doc in cursor.sort("_id")]

    async def check_in(self, envelope: Envelope[SessionAttended]) -> tuple[Document, bool]:
        """Insert the check-in with its event; ``(document, False)`` when it already existed."""
        event = envelope.data
        doc = {
            "_id": check_in_id(event.edition_id, event.session_id, event.participant_id),
            "edition_id": event.edition_id,
            "session_id": event.session_id,
            "application_id": event.application_id,
            "participant_id": event.participant_id,
            "attended_at": event.attended_at,
            outbox.OUTBOX: outbox.entries([envelope]),
        }
        try:
            await self._check_ins.insert_one(doc)
        except DuplicateKeyError:
            existing = await self._check_ins.find_one({"_id": doc["_id"]}, {outbox.OUTBOX: 0})
            if existing is None:
                raise
            return existing, False
        return doc, True

    async def check_ins(self, edition_id: str, session_id: str) -> list[Document]:
        cursor = self._check_ins.find(
            {"edition_id": edition_id, "session_id": session_id}, {outbox.OUTBOX: 0}
        )
        return [doc async for doc in cursor.sort("attended_at")]
