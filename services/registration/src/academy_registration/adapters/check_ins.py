"""Check-ins: one document per (edition, session, participant), its id that natural key, so the
same check-in twice is one document and one SessionAttended event. Undoing one sets its
``undone_at`` (with AttendanceUndone in its outbox); checking the participant in again clears it
(with a new SessionAttended), each by ``_id`` under :func:`document_lock` (FerretDB's updates
are not isolated). Documents from before undo have no ``undone_at``: a query for ``None``
matches them too."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import AttendanceUndone, SessionAttended
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock
from academy_registration.domain.attendance import CheckIn, check_in_id

CHECK_INS = "check_ins"


class CheckInStore:
    collection = CHECK_INS

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._check_ins = db[CHECK_INS]

    async def ensure_indexes(self) -> None:
        await self._check_ins.create_index([("edition_id", ASCENDING), ("session_id", 1)])

    async def get(self, edition_id: str, session_id: str, participant_id: str) -> CheckIn | None:
        doc = await self._check_ins.find_one(
            {"_id": check_in_id(edition_id, session_id, participant_id)}, {outbox.OUTBOX: 0}
        )
        return None if doc is None else CheckIn.model_validate(doc)

    async def add(self, envelope: Envelope[SessionAttended]) -> tuple[CheckIn, bool]:
        """Insert the check-in with its event, or record an undone one anew: it and True; or
        the one in force already and False."""
        event = envelope.data
        check_in = CheckIn.model_validate(event.model_dump())
        key = check_in_id(event.edition_id, event.session_id, event.participant_id)
        try:
            await self._check_ins.insert_one(
                {"_id": key, **check_in.model_dump(), outbox.OUTBOX: outbox.entries([envelope])}
            )
        except DuplicateKeyError:
            async with document_lock(self._check_ins, key):
                stored = await self._check_ins.find_one({"_id": key}, {outbox.OUTBOX: 0})
                if stored is None:
                    raise
                if stored.get("undone_at") is None:
                    return CheckIn.model_validate(stored), False
                await self._check_ins.update_one(
                    {"_id": key},
                    {
                        "$set": check_in.model_dump(),
                        "$push": {outbox.OUTBOX: {"$each": outbox.entries([envelope])}},
                    },
                )
        return check_in, True

    async def undo(self, envelope: Envelope[AttendanceUndone]) -> bool:
        """Strike the check-in out with its event, unless it already is: whether this did."""
        event = envelope.data
        key = check_in_id(event.edition_id, event.session_id, event.participant_id)
        async with document_lock(self._check_ins, key):
            stored = await self._check_ins.find_one({"_id": key}, {"undone_at": 1})
            if stored is None or stored.get("undone_at") is not None:
                return False
            await self._check_ins.update_one(
                {"_id": key},
                {
                    "$set": {"undone_at": event.undone_at},
                    "$push": {outbox.OUTBOX: {"$each": outbox.entries([envelope])}},
                },
            )
        return True

    async def of_session(self, edition_id: str, session_id: str) -> list[CheckIn]:
        cursor = self._check_ins.find(
            {"edition_id": edition_id, "session_id": session_id, "undone_at": None},
            {outbox.OUTBOX: 0},
        )
        return [CheckIn.model_validate(doc) async for doc in cursor.sort("attended_at")]
