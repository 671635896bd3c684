"""Finance staff's routes: claims and their documents, decisions, attendance and excused
absences, the rate table, caps, and payment batches with their transfer file."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Self

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field, StringConstraints, model_validator

from academy_contracts.roles import Role
from academy_contracts.values import ExpenseCategory, Identifier, ShortText
from academy_kit import web
from academy_kit.auth import StaffMember, StaffOnly
from academy_kit.web import Limit, Offset
from academy_reimbursement.adapters.cohort import Excuse
from academy_reimbursement.adapters.finance import Batch, RateEntry, RateTableVersion
from academy_reimbursement.domain.attendance import AttendanceCheck
from academy_reimbursement.domain.claims import Claim, ClaimState
from academy_reimbursement.entrypoints.api.deps import FinanceDep
from academy_reimbursement.settings import EurAmount

router = APIRouter(prefix="/v1", tags=["finance"])
finance_only = StaffOnly(Role.FINANCE)
FinanceStaff = Annotated[StaffMember, Depends(finance_only)]
CapsStaff = Annotated[StaffMember, Depends(StaffOnly(Role.FINANCE, Role.ADMIN))]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ClaimPage(BaseModel):
    items: list[Claim]
    total: int
    offset: int
    limit: int


@router.get("/claims", dependencies=[Depends(finance_only)])
async def list_claims(
    finance: FinanceDep,
    edition_id: Identifier | None = None,
    state: ClaimState | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ClaimPage:
    """Claims, oldest first, by edition and state."""
    items, total = await finance.list_claims(edition_id, state, offset, limit)
    return ClaimPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/claims/{claim_id}", dependencies=[Depends(finance_only)], responses={404: {}})
async def read_claim(claim_id: str, finance: FinanceDep) -> Claim:
    return await finance.claim(claim_id)


@router.get(
    "/claims/{claim_id}/documents/{document_id}",
    dependencies=[Depends(finance_only)],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def download_document(claim_id: str, document_id: str, finance: FinanceDep) -> Response:
    """A supporting document of the claim, as uploaded."""
    document, content = await finance.claim_document(claim_id, document_id)
    return Response(
        content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.document_id}"',
            "X-Content-SHA256": document.sha256,
        },
    )


@router.post("/claims/{claim_id}/approval", responses={404: {}, 409: {}, 422: {}})
async def approve_claim(claim_id: str, finance: FinanceDep, member: FinanceStaff) -> Claim:
    """Approve a complete claim (→ ReimbursementApproved): 90% of its eligible euro total.
    Refused while attendance is incomplete or a rate is missing, saying which."""
    return await finance.approve(claim_id, member)


class Rejection(BaseModel):
    reason: Reason


@router.post("/claims/{claim_id}/rejection", responses={404: {}, 409: {}})
async def reject_claim(
    claim_id: str, form: Rejection, finance: FinanceDep, member: FinanceStaff
) -> Claim:
    """Refuse a claim not decided yet, with the reason (→ ReimbursementRejected)."""
    return await finance.reject(claim_id, form.reason, member)


@router.get(
    "/editions/{edition_id}/participants/{participant_id}/attendance",
    dependencies=[Depends(finance_only)],
)
async def read_attendance(
    edition_id: str, participant_id: str, finance: FinanceDep
) -> AttendanceCheck:
    """Which sessions the participant missed and which absences are excused."""
    return await finance.attendance(edition_id, participant_id)


class ExcuseForm(BaseModel):
    reason: Reason


@router.put(
    "/editions/{edition_id}/participants/{participant_id}/excused-absences/{session_id}",
    responses={404: {}},
)
async def excuse_absence(
    edition_id: str,
    participant_id: str,
    session_id: str,
    form: ExcuseForm,
    finance: FinanceDep,
    member: FinanceStaff,
) -> Excuse:
    """Excuse the participant's absence from a session, with the reason."""
    return await finance.excuse(edition_id, participant_id, session_id, form.reason, member)


class RateTableForm(BaseModel):
    rates: list[RateEntry] = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _one_rate_per_currency_and_day(self) -> Self:
        starts = [(r.currency, r.valid_from) for r in self.rates]
        if len(set(starts)) != len(starts):
            raise ValueError("one rate per currency and valid_from date")
        return self


@router.post("/rate-tables", status_code=status.HTTP_201_CREATED, responses={409: {}})
async def publish_rates(
    form: RateTableForm, finance: FinanceDep, member: FinanceStaff
) -> RateTableVersion:
    """Publish a new version of the rate table (units of each currency per euro, each from a
    date on); approvals convert with the newest version."""
    return await finance.publish_rates(form.rates, member)


@router.get("/rate-tables/latest", dependencies=[Depends(finance_only)], responses={404: {}})
async def latest_rates(finance: FinanceDep) -> RateTableVersion:
    return await finance.rates()


class CapsForm(BaseModel):
    caps_eur: dict[ExpenseCategory, EurAmount]


@router.get("/editions/{edition_id}/caps")
async def read_caps(edition_id: str, finance: FinanceDep, _: CapsStaff) -> CapsForm:
    """The caps in force for the edition, per category, in euros."""
    return CapsForm(caps_eur=await finance.caps(edition_id))


@router.put("/editions/{edition_id}/caps")
async def set_caps(
    edition_id: Identifier, form: CapsForm, finance: FinanceDep, _: CapsStaff
) -> CapsForm:
    """Set the edition's own caps for the categories given; the others keep the defaults."""
    return CapsForm(caps_eur=await finance.set_caps(edition_id, form.caps_eur))


class BatchForm(BaseModel):
    edition_id: Identifier | None = None


class BatchView(Batch):
    claims: list[Claim]
    total_eur: Decimal


def _view(batch: Batch, claims: list[Claim]) -> BatchView:
    total = sum((_amount(c) for c in claims), Decimal("0.00"))
    return BatchView(**batch.model_dump(), claims=claims, total_eur=total)


def _amount(claim: Claim) -> Decimal:
    assert claim.assessment is not None  # only approved claims enter a batch
    return claim.assessment.reimbursed_eur


@router.post("/payment-batches", status_code=status.HTTP_201_CREATED, responses={409: {}})
async def create_batch(form: BatchForm, finance: FinanceDep, member: FinanceStaff) -> BatchView:
    """Gather every approved claim not in a batch yet (of one edition, if given)."""
    return _view(*await finance.create_batch(form.edition_id, member))


@router.get("/payment-batches/{batch_id}", dependencies=[Depends(finance_only)])
async def read_batch(batch_id: str, finance: FinanceDep) -> BatchView:
    return _view(*await finance.batch(batch_id))


TRANSFER_COLUMNS = (
    "end_to_end_reference",
    "beneficiary_name",
    "iban",
    "account_number",
    "bic",
    "bank_name",
    "bank_country",
    "amount",
    "currency",
    "remittance_information",
    "batch_id",
    "edition_id",
    "participant_id",
)


@router.get(
    "/payment-batches/{batch_id}/transfers.csv",
    dependencies=[Depends(finance_only)],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_transfers(batch_id: str, finance: FinanceDep) -> Response:
    """The batch as an international credit transfer file, one row per claim, in euros
    (the seven countries are outside SEPA, so each row carries the BIC and bank country)."""
    batch, claims = await finance.batch(batch_id)

    def row(claim: Claim) -> tuple[object, ...]:
        bank = claim.bank
        return (
            claim.claim_id,
            bank.beneficiary_name,
            bank.iban,
            bank.account_number,
            bank.bic,
            bank.bank_name,
            bank.bank_country,
            _amount(claim),
            "EUR",
            f"Cluster Academy {claim.edition_id} reimbursement {claim.claim_id}",
            batch.batch_id,
            claim.edition_id,
            claim.participant_id,
        )

    return web.csv_response(f"batch-{batch_id}.csv", TRANSFER_COLUMNS, map(row, claims))


class PaymentForm(BaseModel):
    payment_reference: ShortText


@router.post("/payment-batches/{batch_id}/payment", responses={404: {}})
async def mark_paid(
    batch_id: str, form: PaymentForm, finance: FinanceDep, member: FinanceStaff
) -> BatchView:
    """Record the batch's transfers as made (→ ReimbursementPaid per claim). Safe to repeat:
    a claim already paid is not paid again."""
    return _view(*await finance.mark_paid(batch_id, form.payment_reference, member))
