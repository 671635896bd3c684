"""Visa letters and the passport data they were made from, in the ``passport_data``
collection: the one place the service keeps passport data, so erasing a person's personal data
here is one write. One document per participant (``_id`` application/participant) holds the
latest version of their letter, its passport data and its PDF (which prints that data too)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo.asynchronous.database import AsyncDatabase

from academy_documents.domain.letters import VisaLetter
from academy_kit.mongo import Document, document_lock

PASSPORT_DATA = "passport_data"


def _letter_id(application_id: str, participant_id: str) -> str:
    return f"{application_id}/{participant_id}"


class LetterStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._letters = db[PASSPORT_DATA]

    @asynccontextmanager
    async def changing(
        self, application_id: str, participant_id: str
    ) -> AsyncIterator[VisaLetter | None]:
        """Hold the participant's lock while the caller reads the letter, decides and saves:
        two requests at once make one version each, never the same one twice."""
        async with document_lock(self._letters, _letter_id(application_id, participant_id)):
            yield await self.get(application_id, participant_id)

    async def save(self, letter: VisaLetter, pdf: bytes) -> None:
        """Replace the participant's letter with this version and its PDF, in one write."""
        await self._letters.update_one(
            {"_id": _letter_id(letter.application_id, letter.participant_id)},
            {"$set": {**letter.model_dump(mode="json"), "pdf": pdf}},
            upsert=True,
        )

    async def get(self, application_id: str, participant_id: str) -> VisaLetter | None:
        doc = await self._letters.find_one(
            {"_id": _letter_id(application_id, participant_id)}, {"pdf": 0}
        )
        return None if doc is None else VisaLetter.model_validate(doc)

    async def with_pdf(
        self, application_id: str, participant_id: str
    ) -> tuple[VisaLetter, bytes] | None:
        doc = await self._letters.find_one({"_id": _letter_id(application_id, participant_id)})
        return None if doc is None else (VisaLetter.model_validate(doc), bytes(doc["pdf"]))
