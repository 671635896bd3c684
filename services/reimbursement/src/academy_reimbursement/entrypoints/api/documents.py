"""Supporting documents: participants upload and list theirs (with their link token); finance
downloads those a claim names."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile, status

from academy_contracts.values import DocumentKind
from academy_reimbursement.domain.documents import StoredDocument
from academy_reimbursement.entrypoints.api.access import finance_only
from academy_reimbursement.entrypoints.api.deps import ClaimantDep, DocumentsDep

PARTICIPANT = "/v1/applications/{application_id}/participants/{participant_id}"
router = APIRouter(tags=["documents"])


@router.post(
    f"{PARTICIPANT}/documents",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The same file was uploaded before as the same kind"},
        413: {"description": "The file is larger than the limit"},
        415: {"description": "Not a PDF, JPEG or PNG file"},
    },
)
async def upload_document(
    claimant: ClaimantDep,
    documents: DocumentsDep,
    response: Response,
    kind: Annotated[DocumentKind, Form(description="What the document proves.")],
    file: Annotated[UploadFile, File(description="A PDF, JPEG or PNG file.")],
) -> StoredDocument:
    """Upload a supporting document (its type is checked by content, its SHA-256 kept); name
    its id on an expense line of the claim."""
    content = await file.read(documents.max_document_bytes + 1)
    filename = (file.filename or "document").strip()[:200] or "document"
    document, created = await documents.upload(claimant, kind, filename, content)
    if not created:
        response.status_code = status.HTTP_200_OK
    return document


@router.get(f"{PARTICIPANT}/documents")
async def list_documents(claimant: ClaimantDep, documents: DocumentsDep) -> list[StoredDocument]:
    """The participant's uploaded documents, oldest first."""
    return await documents.uploads(claimant)


@router.get(
    "/v1/claims/{claim_id}/documents/{document_id}",
    dependencies=[Depends(finance_only)],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def download_document(claim_id: str, document_id: str, documents: DocumentsDep) -> Response:
    """A supporting document of the claim, as uploaded."""
    document, content = await documents.of_claim(claim_id, document_id)
    return Response(
        content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": attachment(document.filename),
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": document.sha256,
        },
    )


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` that saves the file under the participant's name for it, safe
    whatever that name holds (RFC 6266): control characters become spaces, the plain
    ``filename`` keeps only harmless ASCII for old clients, ``filename*`` carries the name
    percent-encoded in UTF-8 (RFC 8187), so no quote, CR or LF reaches the header."""
    name = "".join(" " if unicodedata.category(c).startswith("C") else c for c in filename)
    name = " ".join(name.split()) or "document"
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
