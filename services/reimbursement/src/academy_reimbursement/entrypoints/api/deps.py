"""Request-scoped access to the handlers the lifespan wired, and the participant a link token
opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from academy_kit.web import LinkToken
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.handlers.approvals import Approvals
from academy_reimbursement.handlers.attendance import Attendance
from academy_reimbursement.handlers.claimants import Claimants
from academy_reimbursement.handlers.claims import Claims
from academy_reimbursement.handlers.documents import Documents
from academy_reimbursement.handlers.payments import Payments
from academy_reimbursement.handlers.rates import Rates

T = TypeVar("T")


def _wired(name: str, kind: type[T]) -> Callable[[Request], T]:
    """The handler the lifespan put in ``app.state.<name>``."""

    def handler(request: Request) -> T:
        wired = getattr(request.app.state, name)
        assert isinstance(wired, kind)
        return wired

    return handler


ApprovalsDep = Annotated[Approvals, Depends(_wired("approvals", Approvals))]
AttendanceDep = Annotated[Attendance, Depends(_wired("attendance", Attendance))]
ClaimsDep = Annotated[Claims, Depends(_wired("claims", Claims))]
DocumentsDep = Annotated[Documents, Depends(_wired("documents", Documents))]
PaymentsDep = Annotated[Payments, Depends(_wired("payments", Payments))]
RatesDep = Annotated[Rates, Depends(_wired("rates", Rates))]


async def _claimant(
    application_id: str,
    participant_id: str,
    claimants: Annotated[Claimants, Depends(_wired("claimants", Claimants))],
    token: LinkToken,
) -> Claimant:
    return await claimants.open(application_id, participant_id, token)


ClaimantDep = Annotated[Claimant, Depends(_claimant)]
