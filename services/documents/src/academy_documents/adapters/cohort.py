"""What the service learns from other services' events: the editions, selection's latest
decision per cluster with its people, each participant's presence at each session, and the
absences the program manager counts as attended.

Every write is keyed by a natural key, so a redelivered or replayed event changes nothing: an
edition is kept only at a higher revision, a decision only if newer, and a presence (checked
in, or the check-in undone) only if newer than the one stored.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    SessionAttended,
)
from academy_documents.domain.certificates import CountedAbsence
from academy_documents.domain.cohort import Roster, roster
from academy_kit.clock import bson_instant
from academy_kit.mongo import Document, document_lock, keep_newer

EDITIONS = "editions"
ROSTERS = "rosters"
PRESENCE = "presence"
COUNTED = "counted_absences"


def _presence_id(edition_id: str, participant_id: str, session_id: str) -> str:
    return f"{edition_id}/{participant_id}/{session_id}"


class CohortStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._editions = db[EDITIONS]
        self._rosters = db[ROSTERS]
        self._presence = db[PRESENCE]
        self._counted = db[COUNTED]

    async def ensure_indexes(self) -> None:
        await self._rosters.create_index("edition_id")
        for collection in (self._presence, self._counted):
            await collection.create_index([("edition_id", 1), ("participant_id", 1)])

    async def record_edition(self, event: EditionPublished) -> bool:
        """Keep this revision unless the same or a newer one is stored; a new revision is
        looked at again once it is over (its sessions may have changed)."""
        return await keep_newer(
            self._editions,
            event.edition_id,
            ("revision", event.revision),
            {"edition": event.model_dump(mode="json"), "reviewed": False},
        )

    async def edition(self, edition_id: str) -> EditionPublished | None:
        doc = await self._editions.find_one({"_id": edition_id})
        return None if doc is None else EditionPublished.model_validate(doc["edition"])

    async def unreviewed_editions(self) -> list[EditionPublished]:
        """Editions not yet looked at after their end (editions are few: a scan is cheap)."""
        return [
            EditionPublished.model_validate(doc["edition"])
            async for doc in self._editions.find({"reviewed": False})
        ]

    async def mark_reviewed(self, edition: EditionPublished) -> None:
        async with document_lock(self._editions, edition.edition_id):
            await self._editions.update_one(
                {"_id": edition.edition_id, "revision": edition.revision},
                {"$set": {"reviewed": True}},
            )

    async def record_decision(self, event: ClusterSelected | ClusterRejected) -> bool:
        decision = roster(event)
        return await keep_newer(
            self._rosters,
            event.application_id,
            ("decided_at", bson_instant(decision.decided_at)),
            decision.model_dump(mode="json", exclude={"decided_at"}),
        )

    async def roster(self, application_id: str) -> Roster | None:
        doc = await self._rosters.find_one({"_id": application_id})
        return None if doc is None else Roster.model_validate(doc)

    async def rosters(self, edition_id: str) -> list[Roster]:
        return [
            Roster.model_validate(doc)
            async for doc in self._rosters.find({"edition_id": edition_id}).sort("_id", 1)
        ]

    async def record_presence(self, event: SessionAttended | AttendanceUndone) -> bool:
        """A check-in, or its undoing: the newer one stands, so a redelivered check-in after
        its undoing changes nothing."""
        attended = isinstance(event, SessionAttended)
        at = event.attended_at if isinstance(event, SessionAttended) else event.undone_at
        return await keep_newer(
            self._presence,
            _presence_id(event.edition_id, event.participant_id, event.session_id),
            ("changed_at", bson_instant(at)),
            {
                "edition_id": event.edition_id,
                "application_id": event.application_id,
                "participant_id": event.participant_id,
                "session_id": event.session_id,
                "attended": attended,
            },
        )

    async def attended(self, edition_id: str, participant_id: str) -> set[str]:
        query = {"edition_id": edition_id, "participant_id": participant_id}
        return {doc["session_id"] async for doc in self._presence.find(query) if doc["attended"]}

    async def presence(self, edition_id: str) -> list[Document]:
        """Every check-in of the edition as stored (attended or undone)."""
        return [doc async for doc in self._presence.find({"edition_id": edition_id})]

    async def count_absence(
        self, edition_id: str, participant_id: str, absence: CountedAbsence
    ) -> None:
        absence_id = _presence_id(edition_id, participant_id, absence.session_id)
        async with document_lock(self._counted, absence_id):
            await self._counted.update_one(
                {"_id": absence_id},
                {
                    "$set": {
                        "edition_id": edition_id,
                        "participant_id": participant_id,
                        **absence.model_dump(mode="json"),
                    }
                },
                upsert=True,
            )

    async def counted(self, edition_id: str, participant_id: str) -> set[str]:
        query = {"edition_id": edition_id, "participant_id": participant_id}
        return {doc["session_id"] async for doc in self._counted.find(query)}
