"""Participants' routes, opened by their cluster's link token: supporting documents and the
claim."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from pydantic import BaseModel, Field

from academy_contracts.values import Identifier
from academy_reimbursement.adapters.documents import StoredDocument
from academy_reimbursement.domain.claims import Claim, ClaimForm
from academy_reimbursement.domain.documents import DocumentKind
from academy_reimbursement.entrypoints.api.deps import ClaimantDep, ParticipantsDep

router = APIRouter(
    prefix="/v1/applications/{application_id}/participants/{participant_id}",
    tags=["participants"],
)


@router.post(
    "/documents",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The same file was uploaded before as the same kind"},
        413: {"description": "The file is larger than the limit"},
        415: {"description": "Not a PDF, JPEG or PNG file"},
    },
)
async def upload_document(
    claimant: ClaimantDep,
    participants: ParticipantsDep,
    response: Response,
    kind: Annotated[DocumentKind, Form(description="What the document proves.")],
    file: Annotated[UploadFile, File(description="A PDF, JPEG or PNG file.")],
) -> StoredDocument:
    """Upload a supporting document (its type is checked by content, its SHA-256 kept); name
    its id on an expense line of the claim."""
    content = await file.read(participants.max_document_bytes + 1)
    filename = (file.filename or "document").strip()[:200] or "document"
    document, created = await participants.upload(claimant, kind, filename, content)
    if not created:
        response.status_code = status.HTTP_200_OK
    return document


@router.get("/documents")
async def list_documents(
    claimant: ClaimantDep, participants: ParticipantsDep
) -> list[StoredDocument]:
    """The participant's uploaded documents, oldest first."""
    return await participants.uploads(claimant)


@router.post(
    "/claim",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The same claim was submitted before: it is answered again"},
        409: {"description": "A different claim was submitted before"},
    },
)
async def submit_claim(
    form: ClaimForm, claimant: ClaimantDep, participants: ParticipantsDep, response: Response
) -> Claim:
    """Submit the participant's claim for the edition (→ ExpenseClaimed, and DocumentsMissing
    listing what each line still needs)."""
    claim, created = await participants.submit(claimant, form)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return claim


@router.get("/claim", responses={404: {"description": "No claim yet"}})
async def read_claim(claimant: ClaimantDep, participants: ParticipantsDep) -> Claim:
    """The participant's claim: its state, what is missing, and the decision."""
    return await participants.claim(claimant)


class Attachment(BaseModel):
    document_ids: list[Identifier] = Field(min_length=1, max_length=20)


@router.post("/claim/lines/{line_id}/documents", responses={404: {}, 409: {}})
async def attach_documents(
    line_id: str, form: Attachment, claimant: ClaimantDep, participants: ParticipantsDep
) -> Claim:
    """Add uploaded documents to an expense line; the claim is complete when no line lacks
    the documents its category requires."""
    return await participants.attach(claimant, line_id, form.document_ids)
