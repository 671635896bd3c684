"""Certificates: one document per certificate, ``_id`` its reference, holding its state and,
until the relay has sent them, the events of the change that wrote it (embedded outbox). The
reference is computed from edition and participant, so both the verifier and the holder's page
find it by ``_id``; every change reads, decides and writes under the document's lock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.envelope import Envelope
from academy_documents.domain.certificates import Certificate
from academy_kit import outbox
from academy_kit.mongo import Document, document_lock

CERTIFICATES = "certificates"


def _certificate(doc: Document) -> Certificate:
    return Certificate.model_validate({**doc, "reference": doc["_id"]})


class CertificateStore:
    collection = CERTIFICATES

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._certificates = db[CERTIFICATES]

    async def ensure_indexes(self) -> None:
        await self._certificates.create_index("edition_id")

    @asynccontextmanager
    async def changing(self, reference: str) -> AsyncIterator[Certificate | None]:
        """Hold the certificate's lock while the caller reads it, decides and saves."""
        async with document_lock(self._certificates, reference):
            yield await self.get(reference)

    async def save(self, certificate: Certificate, events: list[Envelope[Any]]) -> None:
        """Write the certificate with its events in one write; call inside :meth:`changing`."""
        await self._certificates.update_one(
            {"_id": certificate.reference},
            {
                "$set": certificate.model_dump(mode="json", exclude={"reference"}),
                "$push": {outbox.OUTBOX: {"$each": outbox.entries(events)}},
            },
            upsert=True,
        )

    async def get(self, reference: str) -> Certificate | None:
        doc = await self._certificates.find_one({"_id": reference}, {outbox.OUTBOX: 0})
        return None if doc is None else _certificate(doc)

    async def of_edition(self, edition_id: str) -> list[Certificate]:
        cursor = self._certificates.find({"edition_id": edition_id}, {outbox.OUTBOX: 0})
        return [_certificate(doc) async for doc in cursor.sort("_id", 1)]
