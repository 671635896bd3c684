"""Supporting documents: what kinds there are, which each expense category requires, and which
files are accepted (by their content, never by their name or declared type)."""

from __future__ import annotations

from enum import StrEnum

from academy_contracts.values import ExpenseCategory


class DocumentKind(StrEnum):
    """What a supporting document proves; the participant says it when uploading."""

    TICKET = "ticket"
    BOARDING_PASS = "boarding_pass"  # noqa: S105 - a document kind
    INVOICE = "invoice"
    RECEIPT = "receipt"
    VISA_RECEIPT = "visa_receipt"


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
