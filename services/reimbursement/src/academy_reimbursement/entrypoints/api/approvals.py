"""Finance's decision on a claim, and the attendance it rests on."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from academy_reimbursement.domain.attendance import AttendanceCheck
from academy_reimbursement.domain.claims import Claim
from academy_reimbursement.domain.cohort import Excuse
from academy_reimbursement.domain.reimbursement import Assessment
from academy_reimbursement.entrypoints.api.access import FinanceStaff, Reason, finance_only
from academy_reimbursement.entrypoints.api.deps import ApprovalsDep, AttendanceDep

router = APIRouter(prefix="/v1", tags=["approvals"])


@router.post("/claims/{claim_id}/approval", responses={404: {}, 409: {}, 422: {}})
async def approve_claim(claim_id: str, approvals: ApprovalsDep, member: FinanceStaff) -> Claim:
    """Approve a complete claim (→ ReimbursementApproved): 90% of its eligible euro total.
    Refused while attendance is incomplete or a rate is missing, saying which."""
    return await approvals.approve(claim_id, member.subject)


@router.get(
    "/claims/{claim_id}/assessment",
    dependencies=[Depends(finance_only)],
    responses={404: {}, 422: {"description": "A line's exchange rate is missing"}},
)
async def read_assessment(claim_id: str, approvals: ApprovalsDep) -> Assessment:
    """The claim counted: each line in euros, each category capped, and the 90% reimbursed;
    as approved, or, before the decision, as approval would count it now."""
    return await approvals.assessment(claim_id)


class Rejection(BaseModel):
    reason: Reason


@router.post("/claims/{claim_id}/rejection", responses={404: {}, 409: {}})
async def reject_claim(
    claim_id: str, form: Rejection, approvals: ApprovalsDep, member: FinanceStaff
) -> Claim:
    """Refuse a claim not decided yet, with the reason (→ ReimbursementRejected)."""
    return await approvals.reject(claim_id, form.reason, member.subject)


@router.get(
    "/editions/{edition_id}/participants/{participant_id}/attendance",
    dependencies=[Depends(finance_only)],
)
async def read_attendance(
    edition_id: str, participant_id: str, attendance: AttendanceDep
) -> AttendanceCheck:
    """Which sessions the participant missed and which absences are excused."""
    return await attendance.check(edition_id, participant_id)


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
    attendance: AttendanceDep,
    member: FinanceStaff,
) -> Excuse:
    """Excuse the participant's absence from a session, with the reason."""
    return await attendance.excuse(
        edition_id, participant_id, session_id, form.reason, member.subject
    )
