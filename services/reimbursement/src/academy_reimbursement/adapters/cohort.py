"""What the service learns from other services' events: who was selected (and may claim), the
editions' sessions, who attended which session, and the absences finance excused.

Every write is keyed by a natural key, so a redelivered or replayed event changes nothing: a
decision is kept only if it is newer than the stored one, an edition only at a higher revision,
a check-in or its undoing (one document per ``edition/participant/session``) only if newer than
the change stored.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    EditionSession,
    SessionAttended,
    decision_time,
)
from academy_kit.clock import bson_instant
from academy_kit.mongo import Document, document_lock, keep_newer
from academy_reimbursement.domain.attendance import presence_change
from academy_reimbursement.domain.cohort import Claimant, Excuse

APPLICATIONS = "applications"
EDITIONS = "editions"
ATTENDANCE = "attendance"
EXCUSES = "excused_absences"


def _attendance_id(edition_id: str, participant_id: str, session_id: str) -> str:
    return f"{edition_id}/{participant_id}/{session_id}"


class CohortStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._applications = db[APPLICATIONS]
        self._editions = db[EDITIONS]
        self._attendance = db[ATTENDANCE]
        self._excuses = db[EXCUSES]

    async def ensure_indexes(self) -> None:
        for collection in (self._attendance, self._excuses):
            await collection.create_index([("edition_id", 1), ("participant_id", 1)])

    async def record_decision(self, event: ClusterSelected | ClusterRejected) -> bool:
        """Keep the selection decision unless a newer one is stored; True if kept. A rejection
        after a selection (a declined or lapsed offer) takes the right to claim away."""
        decided_at = bson_instant(decision_time(event))
        return await keep_newer(
            self._applications,
            event.application_id,
            ("decided_at", decided_at),
            {
                "edition_id": event.edition_id,
                "selected": isinstance(event, ClusterSelected),
                "participants": [
                    {"participant_id": p.participant_id, "full_name": p.full_name}
                    for p in event.participants
                ],
            },
        )

    async def claimant(self, application_id: str, participant_id: str) -> Claimant | None:
        """The participant of this application, or None if the service knows neither."""
        doc = await self._applications.find_one({"_id": application_id})
        if doc is None:
            return None
        for participant in doc["participants"]:
            if participant["participant_id"] == participant_id:
                return Claimant(
                    application_id=application_id,
                    edition_id=doc["edition_id"],
                    selected=doc["selected"],
                    **participant,
                )
        return None

    async def record_edition(self, event: EditionPublished) -> bool:
        """Keep this revision of the edition unless the same or a newer one is stored."""
        sessions = [s.model_dump(mode="json") for s in event.sessions]
        return await keep_newer(
            self._editions, event.edition_id, ("revision", event.revision), {"sessions": sessions}
        )

    async def sessions(self, edition_id: str) -> list[EditionSession] | None:
        """The edition's sessions, or None if the edition was never published to the service."""
        doc = await self._editions.find_one({"_id": edition_id})
        if doc is None:
            return None
        return [EditionSession.model_validate(s) for s in doc["sessions"]]

    async def record_attendance(self, event: SessionAttended | AttendanceUndone) -> bool:
        """Keep the check-in or its undoing unless a change as new is stored for the session."""
        changed_at, present = presence_change(event)
        return await keep_newer(
            self._attendance,
            _attendance_id(event.edition_id, event.participant_id, event.session_id),
            ("changed_at", bson_instant(changed_at)),
            {
                "edition_id": event.edition_id,
                "participant_id": event.participant_id,
                "session_id": event.session_id,
                "present": present,
            },
        )

    async def attended(self, edition_id: str, participant_id: str) -> set[str]:
        """The sessions the participant is present at; a check-in stored before check-ins
        could be undone has no ``present`` field, and stands."""
        query = {
            "edition_id": edition_id,
            "participant_id": participant_id,
            "present": {"$ne": False},
        }
        return {doc["session_id"] async for doc in self._attendance.find(query)}

    async def excuse(self, edition_id: str, participant_id: str, excuse: Excuse) -> None:
        """Record (or restate) finance's excuse of one absence."""
        excuse_id = _attendance_id(edition_id, participant_id, excuse.session_id)
        async with document_lock(self._excuses, excuse_id):
            await self._excuses.update_one(
                {"_id": excuse_id},
                {
                    "$set": {
                        "edition_id": edition_id,
                        "participant_id": participant_id,
                        **excuse.model_dump(mode="json"),
                    }
                },
                upsert=True,
            )

    async def excuses(self, edition_id: str, participant_id: str) -> list[Excuse]:
        query = {"edition_id": edition_id, "participant_id": participant_id}
        return [Excuse.model_validate(doc) async for doc in self._excuses.find(query)]
