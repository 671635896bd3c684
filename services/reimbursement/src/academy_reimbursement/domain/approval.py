"""Finance's decision on a claim. "May this claim be approved?" is one rule with a name:
:func:`approve_claim` approves a claim only when all its documents are in, the cluster is still
selected, every session of the edition has ended and each was attended or its absence excused,
and every line's rate is in the table; it returns the approved claim and ReimbursementApproved,
or raises the failure that says what is still wanting."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from academy_contracts.events import ReimbursementApproved, ReimbursementRejected
from academy_contracts.values import Currency, Money
from academy_reimbursement.domain.attendance import AttendanceCheck
from academy_reimbursement.domain.claims import OPEN_STATES, Claim, ClaimState
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.domain.failures import AttendanceIncomplete, SelectionRevoked
from academy_reimbursement.domain.money import RateTable
from academy_reimbursement.domain.reimbursement import Caps, assess


def approve_claim(
    claim: Claim,
    *,
    claimant: Claimant | None,
    attendance: AttendanceCheck,
    rates: RateTable,
    caps: Caps,
    by: str,
    at: datetime,
) -> tuple[Claim, ReimbursementApproved]:
    """Approve a complete claim of a still-selected participant whose sessions are all over
    and each attended or excused: 90% of its capped euro total is reimbursed. Checked in this
    order, so finance is told first what only the participant can mend."""
    claim.require(ClaimState.COMPLETE)
    if claimant is None or not claimant.selected:
        raise SelectionRevoked
    if not attendance.satisfied:
        raise AttendanceIncomplete(attendance.not_ended, attendance.missed)
    assessment = assess([line.to_convert() for line in claim.lines], rates, caps)
    approved = claim.approve(assessment, by, at)
    event = ReimbursementApproved(
        application_id=claim.application_id,
        edition_id=claim.edition_id,
        claim_id=claim.claim_id,
        participant_id=claim.participant_id,
        eligible=euros(assessment.eligible_eur),
        approved=euros(assessment.reimbursed_eur),
        approved_at=at,
    )
    return approved, event


def reject_claim(
    claim: Claim, reason: str, *, by: str, at: datetime
) -> tuple[Claim, ReimbursementRejected]:
    """Refuse a claim not decided yet, with the reason."""
    claim.require(*OPEN_STATES)
    rejected = claim.reject(reason, by, at)
    event = ReimbursementRejected(
        application_id=claim.application_id,
        edition_id=claim.edition_id,
        claim_id=claim.claim_id,
        participant_id=claim.participant_id,
        reason=reason,
        rejected_at=at,
    )
    return rejected, event


def euros(amount: Decimal) -> Money:
    return Money(amount=amount, currency=Currency.EUR)
