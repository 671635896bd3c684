"""Request-scoped access to what the lifespan wired, and the participant a link token opens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from academy_contracts.links import TOKEN_HEADER
from academy_reimbursement.adapters.cohort import Claimant
from academy_reimbursement.handlers.finance import Finance
from academy_reimbursement.handlers.participants import Participants


def _participants(request: Request) -> Participants:
    participants: Participants = request.app.state.participants
    return participants


def _finance(request: Request) -> Finance:
    finance: Finance = request.app.state.finance
    return finance


ParticipantsDep = Annotated[Participants, Depends(_participants)]
FinanceDep = Annotated[Finance, Depends(_finance)]


async def _claimant(
    application_id: str,
    participant_id: str,
    participants: ParticipantsDep,
    token: Annotated[
        str | None,
        Header(alias=TOKEN_HEADER, description="The secret link token of the application."),
    ] = None,
) -> Claimant:
    return await participants.claimant(application_id, participant_id, token)


ClaimantDep = Annotated[Claimant, Depends(_claimant)]
