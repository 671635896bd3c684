"""Payment batches: finance gathers approved claims into a batch, exports its transfers, and
records the transfers as made; each claim is paid once (→ ReimbursementPaid).

Officers click at once, and replicas of the service serve them, so both steps are decided by
an insert of a derived ``_id``, the one write every store makes atomic:
- The batches of a scope (one edition, or all) are numbered; the next one's id follows from the
  newest. Two requests that want a new batch at once compute the same id, one insert wins and
  the others join that batch (:func:`batch_to_gather`). A batch stays open to helpers until it
  is ``gathered``, so a later request cannot start a second batch while claims still join the
  first.
- A batch's payment is recorded once under the batch's id (:class:`Payment`): the first
  reference wins, the same reference again is the same payment, another one is refused
  (:func:`check_reference`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from academy_contracts.events import ReimbursementPaid
from academy_contracts.values import UtcDateTime
from academy_reimbursement.domain.approval import euros
from academy_reimbursement.domain.claims import Claim, ClaimState
from academy_reimbursement.domain.failures import NothingToPay, PaidWithOtherReference


class BatchState(StrEnum):
    OPEN = "open"
    PAID = "paid"


class Batch(BaseModel):
    batch_id: str
    edition_id: str | None
    number: int = 0
    """Its place among the batches of its edition (or of all editions); 0 before numbering."""
    state: BatchState
    created_by: str
    created_at: UtcDateTime
    gathered: bool = True
    """Every claim payable when it was made has joined it; until then, requests for a new
    batch of the same scope join this one."""
    payment_reference: str | None = None
    paid_by: str | None = None
    paid_at: UtcDateTime | None = None


def batch_id_of(edition_id: str | None, number: int) -> str:
    """The id of the ``number``-th batch of the edition (of all editions when None)."""
    scope = "*" if edition_id is None else f"edition:{edition_id}"
    return f"batch-{hashlib.sha256(scope.encode()).hexdigest()[:16]}-{number}"


def batch_to_gather(
    newest: Batch | None,
    *,
    edition_id: str | None,
    anything_payable: bool,
    by: str,
    at: datetime,
) -> tuple[Batch, bool]:
    """The batch approved claims join now, and whether it is to be made: the scope's newest
    batch while it is still being gathered, else the next one. Refused when no claim waits."""
    if newest is not None and not newest.gathered:
        return newest, False
    if not anything_payable:
        raise NothingToPay
    number = 1 if newest is None else newest.number + 1
    batch = Batch(
        batch_id=batch_id_of(edition_id, number),
        edition_id=edition_id,
        number=number,
        state=BatchState.OPEN,
        created_by=by,
        created_at=at,
        gathered=False,
    )
    return batch, True


class Payment(BaseModel):
    """The transfers of a batch made under one reference; recorded once per batch."""

    batch_id: str
    reference: str
    paid_by: str
    paid_at: UtcDateTime
    finished: bool = False
    """Every claim of the batch is paid; until then a run with the same reference finishes
    what an interrupted one left."""


def payment_of(batch: Batch, reference: str, by: str, at: datetime) -> Payment:
    """The payment a request records for ``batch``; a batch paid before payments were recorded
    apart keeps the reference it was paid with."""
    if batch.payment_reference is not None:
        return Payment(
            batch_id=batch.batch_id,
            reference=batch.payment_reference,
            paid_by=batch.paid_by or by,
            paid_at=batch.paid_at or at,
            finished=True,
        )
    return Payment(batch_id=batch.batch_id, reference=reference, paid_by=by, paid_at=at)


def check_reference(recorded: Payment, reference: str) -> None:
    """A batch is paid once: the same reference again is that payment, another is refused
    naming the one recorded."""
    if recorded.reference != reference:
        raise PaidWithOtherReference(recorded.batch_id, recorded.reference)


def paid_batch(batch: Batch, payment: Payment) -> Batch:
    return batch.model_copy(
        update={
            "state": BatchState.PAID,
            "payment_reference": payment.reference,
            "paid_by": payment.paid_by,
            "paid_at": payment.paid_at,
        }
    )


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
