"""Payment batches with their transfer file, and recording the transfers as made."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel

from academy_contracts.values import Identifier, ShortText
from academy_kit import web
from academy_kit.web import Limit, Offset
from academy_reimbursement.domain.claims import Claim
from academy_reimbursement.domain.payments import Batch
from academy_reimbursement.entrypoints.api.access import FinanceStaff, finance_only
from academy_reimbursement.entrypoints.api.deps import PaymentsDep

router = APIRouter(prefix="/v1/payment-batches", tags=["payments"])


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


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Another request is making the batch: this is that batch"},
        409: {"description": "No approved claim is waiting for payment"},
    },
)
async def create_batch(
    form: BatchForm, payments: PaymentsDep, member: FinanceStaff, response: Response
) -> BatchView:
    """Gather every approved claim not in a batch yet (of one edition, if given)."""
    batch, claims, made = await payments.gather(form.edition_id, member.subject)
    if not made:
        response.status_code = status.HTTP_200_OK
    return _view(batch, claims)


class BatchPage(BaseModel):
    items: list[Batch]
    total: int
    offset: int
    limit: int


@router.get("", dependencies=[Depends(finance_only)])
async def list_batches(payments: PaymentsDep, offset: Offset = 0, limit: Limit = 100) -> BatchPage:
    """The payment batches, newest first: open ones wait for their transfers, paid ones name
    their reference."""
    items, total = await payments.page(offset, limit)
    return BatchPage(items=items, total=total, offset=offset, limit=limit)


@router.get("/{batch_id}", dependencies=[Depends(finance_only)])
async def read_batch(batch_id: str, payments: PaymentsDep) -> BatchView:
    return _view(*await payments.batch(batch_id))


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
    "/{batch_id}/transfers.csv",
    dependencies=[Depends(finance_only)],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_transfers(batch_id: str, payments: PaymentsDep) -> Response:
    """The batch as an international credit transfer file, one row per claim, in euros
    (the seven countries are outside SEPA, so each row carries the BIC and bank country)."""
    batch, claims = await payments.batch(batch_id)

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


@router.post(
    "/{batch_id}/payment",
    responses={
        404: {"description": "No such batch"},
        409: {"description": "The batch was paid under another reference, which is named"},
    },
)
async def mark_paid(
    batch_id: str, form: PaymentForm, payments: PaymentsDep, member: FinanceStaff
) -> BatchView:
    """Record the batch's transfers as made (→ ReimbursementPaid per claim). A batch is paid
    once: the same reference again answers that payment; another reference is refused."""
    return _view(*await payments.mark_paid(batch_id, form.payment_reference, member.subject))
