"""Supporting documents: a participant uploads them (checked by content, kept once per file
and kind); finance downloads those a claim names."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.values import DocumentKind
from academy_kit.clock import now
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.domain.documents import (
    LineDocument,
    Reader,
    StoredDocument,
    Upload,
    accepted_media_type,
)
from academy_reimbursement.domain.failures import DocumentNotInClaim, UnknownClaim
from academy_reimbursement.handlers.ports import ClaimStore, DocumentStore


@dataclass(frozen=True)
class Documents:
    claims: ClaimStore
    documents: DocumentStore
    max_document_bytes: int
    unreadable: Reader

    async def upload(
        self, claimant: Claimant, kind: DocumentKind, filename: str, content: bytes
    ) -> tuple[StoredDocument, bool]:
        """Keep a supporting document and say whether it is new: the same file uploaded again
        as the same kind is the same document."""
        upload = Upload(
            edition_id=claimant.edition_id,
            participant_id=claimant.participant_id,
            kind=kind,
            filename=filename,
            media_type=accepted_media_type(content, self.max_document_bytes, self.unreadable),
            content=content,
        )
        return await self.documents.add(upload, now())

    async def uploads(self, claimant: Claimant) -> list[StoredDocument]:
        return await self.documents.of_participant(claimant.edition_id, claimant.participant_id)

    async def of_claim(self, claim_id: str, document_id: str) -> tuple[LineDocument, bytes]:
        """A supporting document the claim names, and its bytes as uploaded."""
        claim = await self.claims.get(claim_id)
        if claim is None:
            raise UnknownClaim(claim_id)
        held = {d.document_id: d for line in claim.lines for d in line.documents}
        content = await self.documents.content(document_id) if document_id in held else None
        if content is None:
            raise DocumentNotInClaim(document_id, sorted(held))
        return held[document_id], content
