"""Claims: a participant submits theirs and adds documents to it (with their link token);
finance lists and reads them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from academy_contracts.values import Identifier
from academy_kit.web import Limit, Offset
from academy_reimbursement.domain.claims import Claim, ClaimForm, ClaimState
from academy_reimbursement.entrypoints.api.access import finance_only
from academy_reimbursement.entrypoints.api.deps import ClaimantDep, ClaimsDep
from academy_reimbursement.entrypoints.api.documents import PARTICIPANT

router = APIRouter(tags=["claims"])


@router.post(
    f"{PARTICIPANT}/claim",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The same claim was submitted before: it is answered again"},
        409: {"description": "A different claim was submitted before"},
    },
)
async def submit_claim(
    form: ClaimForm, claimant: ClaimantDep, claims: ClaimsDep, response: Response
) -> Claim:
    """Submit the participant's claim for the edition (→ ExpenseClaimed, and DocumentsMissing
    listing what each line still needs)."""
    claim, created = await claims.submit(claimant, form)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return claim


@router.get(f"{PARTICIPANT}/claim", responses={404: {"description": "No claim yet"}})
async def read_own_claim(claimant: ClaimantDep, claims: ClaimsDep) -> Claim:
    """The participant's claim: its state, what is missing, and the decision."""
    return await claims.of_claimant(claimant)


class Attachment(BaseModel):
    document_ids: list[Identifier] = Field(min_length=1, max_length=20)


@router.post(f"{PARTICIPANT}/claim/lines/{{line_id}}/documents", responses={404: {}, 409: {}})
async def attach_documents(
    line_id: str, form: Attachment, claimant: ClaimantDep, claims: ClaimsDep
) -> Claim:
    """Add uploaded documents to an expense line; the claim is complete when no line lacks
    the documents its category requires."""
    return await claims.attach(claimant, line_id, form.document_ids)


class ClaimPage(BaseModel):
    items: list[Claim]
    total: int
    offset: int
    limit: int


@router.get("/v1/claims", dependencies=[Depends(finance_only)])
async def list_claims(
    claims: ClaimsDep,
    edition_id: Identifier | None = None,
    state: ClaimState | None = None,
    batched: bool | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ClaimPage:
    """Claims, oldest first, by edition, state, and whether they are in a payment batch
    (``batched=false``: the approved claims a new batch would gather)."""
    items, total = await claims.page(edition_id, state, batched, offset, limit)
    return ClaimPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/v1/claims/{claim_id}", dependencies=[Depends(finance_only)], responses={404: {}})
async def read_claim(claim_id: str, claims: ClaimsDep) -> Claim:
    return await claims.get(claim_id)
