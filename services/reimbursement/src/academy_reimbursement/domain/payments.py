"""Payment batches: finance gathers approved claims into a batch, exports its transfers, and
records the transfers as made; each claim is paid once (→ ReimbursementPaid)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from academy_contracts.events import ReimbursementPaid
from academy_contracts.values import UtcDateTime
from academy_reimbursement.domain.approval import euros
from academy_reimbursement.domain.claims import Claim, ClaimState


class BatchState(StrEnum):
    OPEN = "open"
    PAID = "paid"


class Batch(BaseModel):
    batch_id: str
    edition_id: str | None
    state: BatchState
    created_by: str
    created_at: UtcDateTime
    payment_reference: str | None = None
    paid_by: str | None = None
    paid_at: UtcDateTime | None = None


def pay_claim(claim: Claim, reference: str, at: datetime) -> tuple[Claim, ReimbursementPaid]:
    """The approved claim paid by the transfer ``reference``, and its ReimbursementPaid."""
    claim.require(ClaimState.APPROVED)
    assert claim.assessment is not None  # approved claims are assessed
    paid = claim.pay(reference, at)
    event = ReimbursementPaid(
        application_id=claim.application_id,
        edition_id=claim.edition_id,
        claim_id=claim.claim_id,
        participant_id=claim.participant_id,
        amount=euros(claim.assessment.reimbursed_eur),
        payment_reference=reference,
        paid_at=at,
    )
    return paid, event
