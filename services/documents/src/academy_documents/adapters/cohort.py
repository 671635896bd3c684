"""What the service learns from other services' events: the editions, selection's latest
decision per cluster with its people, each participant's presence at each session, and the
absences the program manager counts as attended (one document per participant of an edition).

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
from academy_documents.domain.certificates import Attendance, CountedAbsence
from academy_documents.domain.cohort import Roster, roster
from academy_kit.clock import bson_instant
from academy_kit.mongo import Document, document_lock, keep_newer

EDITIONS = "editions"
ROSTERS = "rosters"
PRESENCE = "presence"


def _presence_id(edition_id: str, participant_id: str) -> str:
    return f"{edition_id}/{participant_id}"


class CohortStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._editions = db[EDITIONS]
        self._rosters = db[ROSTERS]
        self._presence = db[PRESENCE]

    async def ensure_indexes(self) -> None:
        for collection in (self._rosters, self._presence):
            await collection.create_index("edition_id")

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
        """A check-in, or its undoing: the newer one stands for that session, so a redelivered
        check-in after its undoing changes nothing. One document per participant of an edition
        holds every session, so a participant's attendance is read by ``_id`` alone."""
        attended = isinstance(event, SessionAttended)
        at = bson_instant(
            event.attended_at if isinstance(event, SessionAttended) else event.undone_at
        )
        presence_id = _presence_id(event.edition_id, event.participant_id)
        async with document_lock(self._presence, presence_id):
            doc = await self._presence.find_one({"_id": presence_id}) or {}
            stored = doc.get("sessions", {}).get(event.session_id)
            if stored is not None and stored["changed_at"] >= at:
                return False
            await self._presence.update_one(
                {"_id": presence_id},
                {
                    "$set": {
                        "edition_id": event.edition_id,
                        "participant_id": event.participant_id,
                        f"sessions.{event.session_id}": {"attended": attended, "changed_at": at},
                    }
                },
                upsert=True,
            )
        return True

    async def count_absence(
        self, edition_id: str, participant_id: str, absence: CountedAbsence
    ) -> None:
        """Record (or restate) the program manager's word that an absence counts."""
        presence_id = _presence_id(edition_id, participant_id)
        async with document_lock(self._presence, presence_id):
            await self._presence.update_one(
                {"_id": presence_id},
                {
                    "$set": {
                        "edition_id": edition_id,
                        "participant_id": participant_id,
                        f"counted.{absence.session_id}": absence.model_dump(mode="json"),
                    }
                },
                upsert=True,
            )

    async def attendance(self, edition_id: str, participant_id: str) -> Attendance:
        doc = await self._presence.find_one({"_id": _presence_id(edition_id, participant_id)})
        return _attendance(doc or {})

    async def present(self, edition_id: str) -> list[tuple[str, str]]:
        """(participant, session) of every check-in of the edition that stands."""
        cursor = self._presence.find({"edition_id": edition_id})
        return [
            (doc["participant_id"], session)
            async for doc in cursor
            for session in sorted(_attendance(doc).attended)
        ]


def _attendance(doc: Document) -> Attendance:
    return Attendance(
        attended={s for s, state in doc.get("sessions", {}).items() if state["attended"]},
        counted=set(doc.get("counted", {})),
    )
