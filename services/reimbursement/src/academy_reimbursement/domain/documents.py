"""Supporting documents: what kinds there are, which each expense category requires, and which
files are accepted (by their content, never by their name or declared type)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from academy_contracts.values import DocumentKind, ExpenseCategory, UtcDateTime
from academy_reimbursement.domain.failures import DocumentTooLarge, UnsupportedDocument

REQUIRED_DOCUMENTS: dict[ExpenseCategory, frozenset[DocumentKind]] = {
    ExpenseCategory.TRAVEL: frozenset({DocumentKind.TICKET, DocumentKind.BOARDING_PASS}),
    ExpenseCategory.ACCOMMODATION: frozenset({DocumentKind.INVOICE}),
    ExpenseCategory.VISA: frozenset({DocumentKind.VISA_RECEIPT}),
    ExpenseCategory.LOCAL_TRANSPORT: frozenset({DocumentKind.RECEIPT}),
    ExpenseCategory.MEALS: frozenset({DocumentKind.RECEIPT}),
    ExpenseCategory.OTHER: frozenset({DocumentKind.RECEIPT}),
}
"""The documents each expense line of a category needs before its claim can be approved."""


def missing_documents(
    category: ExpenseCategory, present: set[DocumentKind] | frozenset[DocumentKind]
) -> list[DocumentKind]:
    """The kinds a line of ``category`` still lacks, in a stable order."""
    return sorted(REQUIRED_DOCUMENTS[category] - present)


MEDIA_TYPES: dict[bytes, str] = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
"""Accepted files by their leading bytes (magic numbers): PDF, JPEG and PNG."""


def media_type_of(content: bytes) -> str | None:
    """The media type ``content`` really is, or None when it is none of the accepted ones."""
    for magic, media_type in MEDIA_TYPES.items():
        if content.startswith(magic):
            return media_type
    return None


Reader = Callable[[bytes, str], str | None]
"""Says why content does not read as a media type (None when it does): parsing it as a PDF or
decoding it as an image is the adapters' work (``adapters/files.py``)."""

_NAMES = {"application/pdf": "a PDF", "image/jpeg": "a JPEG", "image/png": "a PNG"}


def accepted_media_type(content: bytes, max_bytes: int, unreadable: Reader) -> str:
    """The media type of an upload the service keeps: its first bytes name an accepted type and
    the whole file reads as that type. Refuses one too large or otherwise, so nothing of it is
    stored."""
    allowed = sorted(MEDIA_TYPES.values())
    if len(content) > max_bytes:
        raise DocumentTooLarge(max_bytes)
    media_type = media_type_of(content)
    if media_type is None:
        raise UnsupportedDocument(allowed, "not a PDF, JPEG or PNG file (checked by content)")
    why = unreadable(content, media_type)
    if why is not None:
        raise UnsupportedDocument(allowed, f"not a readable {_NAMES[media_type]} ({why})")
    return media_type


class Upload(BaseModel):
    """A file a participant uploads as a supporting document, its type already checked."""

    edition_id: str
    participant_id: str
    kind: DocumentKind
    filename: str
    media_type: str
    content: bytes


class LineDocument(BaseModel):
    """A supporting document as a claim keeps it (the bytes stay in the documents store)."""

    document_id: str
    kind: DocumentKind
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


class StoredDocument(LineDocument):
    """An uploaded document with its owner, as the participant lists it."""

    edition_id: str
    participant_id: str
    uploaded_at: UtcDateTime

    def reference(self) -> LineDocument:
        return LineDocument.model_validate(self.model_dump(include=set(LineDocument.model_fields)))


def stored_document(upload: Upload, at: datetime) -> StoredDocument:
    """The upload as it is kept. Its id is derived from who uploaded what (edition,
    participant, kind, SHA-256 of the bytes), so the same file uploaded again as the same kind
    is the same document."""
    sha256 = hashlib.sha256(upload.content).hexdigest()
    owner = f"{upload.edition_id}/{upload.participant_id}/{upload.kind}/{sha256}"
    return StoredDocument(
        document_id="doc-" + hashlib.sha256(owner.encode()).hexdigest()[:32],
        kind=upload.kind,
        filename=upload.filename,
        media_type=upload.media_type,
        size_bytes=len(upload.content),
        sha256=sha256,
        edition_id=upload.edition_id,
        participant_id=upload.participant_id,
        uploaded_at=at,
    )
