"""Selection's decisions as the check-in desk needs them: one document per application, written
only from ClusterSelected and ClusterRejected. The latest decision wins (by its own time), so a
redelivered or late older decision changes nothing."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.mongo import Document, keep_newer
from academy_registration.domain.attendance import Admission

ADMISSIONS = "selections"
"""The collection's name from before admissions had theirs: stored decisions stay readable."""
SELECTED, NOT_SELECTED = "selected", "not_selected"


class AdmissionStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._admissions = db[ADMISSIONS]

    async def ensure_indexes(self) -> None:
        await self._admissions.create_index([("edition_id", ASCENDING), ("status", ASCENDING)])

    async def record(self, admission: Admission) -> None:
        """Record the decision unless one at least as recent is recorded."""
        await keep_newer(
            self._admissions,
            admission.application_id,
            ("decided_at", admission.decided_at),
            {
                "edition_id": admission.edition_id,
                "status": SELECTED if admission.selected else NOT_SELECTED,
                "cluster_name": admission.cluster_name,
                "country": admission.country.value if admission.country else None,
                "participants": [p.model_dump(mode="json") for p in admission.participants],
            },
        )

    async def admitting(self, edition_id: str, participant_id: str) -> Admission | None:
        """The selected cluster of the edition this participant is in, if any."""
        doc = await self._admissions.find_one(
            {
                "edition_id": edition_id,
                "status": SELECTED,
                "participants.participant_id": participant_id,
            }
        )
        return None if doc is None else _admission(doc)

    async def of_application(self, application_id: str) -> Admission | None:
        """The decision in force about the application, selected or not."""
        doc = await self._admissions.find_one({"_id": application_id})
        return None if doc is None else _admission(doc)

    async def selected(self, edition_id: str) -> list[Admission]:
        cursor = self._admissions.find({"edition_id": edition_id, "status": SELECTED})
        return [_admission(doc) async for doc in cursor.sort("_id")]


def _admission(doc: Document) -> Admission:
    return Admission.model_validate(
        {"application_id": doc["_id"], "selected": doc["status"] == SELECTED, **doc}
    )
