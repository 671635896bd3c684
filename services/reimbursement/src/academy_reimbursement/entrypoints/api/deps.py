"""Request-scoped access to the handlers the lifespan wired, and the participant a link token
opens."""

from __future__ import annotations

from typing import Annotated

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


def _approvals(request: Request) -> Approvals:
    handler: Approvals = request.app.state.approvals
    return handler


def _attendance(request: Request) -> Attendance:
    handler: Attendance = request.app.state.attendance
    return handler


def _claimants(request: Request) -> Claimants:
    handler: Claimants = request.app.state.claimants
    return handler


def _claims(request: Request) -> Claims:
    handler: Claims = request.app.state.claims
    return handler


def _documents(request: Request) -> Documents:
    handler: Documents = request.app.state.documents
    return handler


def _payments(request: Request) -> Payments:
    handler: Payments = request.app.state.payments
    return handler


def _rates(request: Request) -> Rates:
    handler: Rates = request.app.state.rates
    return handler


ApprovalsDep = Annotated[Approvals, Depends(_approvals)]
AttendanceDep = Annotated[Attendance, Depends(_attendance)]
ClaimsDep = Annotated[Claims, Depends(_claims)]
DocumentsDep = Annotated[Documents, Depends(_documents)]
PaymentsDep = Annotated[Payments, Depends(_payments)]
RatesDep = Annotated[Rates, Depends(_rates)]


async def _claimant(
    application_id: str,
    participant_id: str,
    claimants: Annotated[Claimants, Depends(_claimants)],
    token: LinkToken,
) -> Claimant:
    return await claimants.open(application_id, participant_id, token)


ClaimantDep = Annotated[Claimant, Depends(_claimant)]
