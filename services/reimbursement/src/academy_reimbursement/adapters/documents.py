"""Supporting documents: their metadata in ``documents``, their bytes, as BSON binary, in
``document_contents`` under the same ``_id`` (FerretDB 1.x has no GridFS, so the size limit
keeps each well below the 16 MiB document limit). Listing a participant's documents filters on
fields other than ``_id``, which FerretDB answers by reading every document of the collection:
kept apart, the bytes are read only when a document is downloaded, by ``_id``.

The id is derived from who uploaded what
(:func:`~academy_reimbursement.domain.documents.stored_document`), so uploading the same file
again as the same kind is the same insert of the same ``_id``: it collides atomically and
returns the document already stored. The bytes are inserted first (a
collision there is the same bytes), so metadata never names content that is not stored.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from bson import Binary
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_kit.mongo import Document
from academy_reimbursement.domain.documents import StoredDocument, Upload, stored_document

DOCUMENTS = "documents"
CONTENTS = "document_contents"
CONTENT = "content"


class DocumentStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._documents = db[DOCUMENTS]
        self._contents = db[CONTENTS]

    async def ensure_indexes(self) -> None:
        await self._documents.create_index(
            [("edition_id", ASCENDING), ("participant_id", ASCENDING)]
        )

    async def add(self, upload: Upload, at: datetime) -> tuple[StoredDocument, bool]:
        """Store the upload; the document and whether it is new (False: uploaded before)."""
        stored = stored_document(upload, at)
        doc = stored.model_dump(mode="json", exclude={"document_id"})
        # The same id is the same bytes: a collision is an upload again, or one interrupted
        # before its metadata was written.
        with contextlib.suppress(DuplicateKeyError):
            await self._contents.insert_one(
                {"_id": stored.document_id, CONTENT: Binary(upload.content)}
            )
        try:
            await self._documents.insert_one({"_id": stored.document_id, **doc})
        except DuplicateKeyError:
            existing = await self.get(stored.document_id)
            if existing is None:
                raise
            return existing, False
        return stored, True

    async def get(self, document_id: str) -> StoredDocument | None:
        doc = await self._documents.find_one({"_id": document_id})
        return None if doc is None else _stored(doc)

    async def content(self, document_id: str) -> bytes | None:
        doc = await self._contents.find_one({"_id": document_id})
        return None if doc is None else bytes(doc[CONTENT])

    async def of_participant(self, edition_id: str, participant_id: str) -> list[StoredDocument]:
        query = {"edition_id": edition_id, "participant_id": participant_id}
        cursor = self._documents.find(query).sort("uploaded_at", ASCENDING)
        return [_stored(doc) async for doc in cursor]


def _stored(doc: Document) -> StoredDocument:
    return StoredDocument.model_validate({**doc, "document_id": doc["_id"]})
