"""Request-scoped access to the handlers the lifespan wired, and the participant a link token
opens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from academy_kit import web
from academy_kit.web import LinkGrant
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.handlers.approvals import Approvals
from academy_reimbursement.handlers.attendance import Attendance
from academy_reimbursement.handlers.claimants import Claimants
from academy_reimbursement.handlers.claims import Claims
from academy_reimbursement.handlers.documents import Documents
from academy_reimbursement.handlers.payments import Payments
from academy_reimbursement.handlers.rates import Rates

ApprovalsDep = Annotated[Approvals, Depends(web.wired("approvals", Approvals))]
AttendanceDep = Annotated[Attendance, Depends(web.wired("attendance", Attendance))]
ClaimsDep = Annotated[Claims, Depends(web.wired("claims", Claims))]
DocumentsDep = Annotated[Documents, Depends(web.wired("documents", Documents))]
PaymentsDep = Annotated[Payments, Depends(web.wired("payments", Payments))]
RatesDep = Annotated[Rates, Depends(web.wired("rates", Rates))]


async def _claimant(
    application_id: str,
    participant_id: str,
    claimants: Annotated[Claimants, Depends(web.wired("claimants", Claimants))],
    grant: LinkGrant,
) -> Claimant:
    return await claimants.open(application_id, participant_id, grant)


ClaimantDep = Annotated[Claimant, Depends(_claimant)]
