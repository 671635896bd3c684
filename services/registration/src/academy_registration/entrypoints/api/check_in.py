"""The check-in desk: who is expected at an edition, and recording them present."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict

from academy_contracts.roles import Role
from academy_contracts.values import Country, Identifier, Participant
from academy_kit.auth import StaffOnly
from academy_registration.domain.attendance import CheckIn
from academy_registration.entrypoints.api.deps import CheckInsDep

router = APIRouter(
    prefix="/v1/editions/{edition_id}",
    tags=["check-in"],
    dependencies=[Depends(StaffOnly(Role.CHECKIN, Role.ADMIN))],
)


class CheckInForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: Identifier


class ExpectedCluster(BaseModel):
    application_id: str
    cluster_name: str
    country: Country | None
    participants: list[Participant]


@router.get("/participants", responses={404: {"description": "Unknown edition"}})
async def expected_participants(edition_id: str, check_ins: CheckInsDep) -> list[ExpectedCluster]:
    """The selected clusters' participants, whom the desk checks in."""
    return [
        ExpectedCluster.model_validate(admission.model_dump())
        for admission in await check_ins.expected(edition_id)
    ]


@router.post(
    "/sessions/{session_id}/check-ins",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Already checked in: the first check-in"},
        404: {"description": "Unknown edition or session"},
        422: {
            "description": "Not a participant of a selected cluster, or the session's check-in "
            "is not open (from ACADEMY_CHECK_IN_OPENS_BEFORE before its start until its end)"
        },
    },
)
async def check_in(
    edition_id: str,
    session_id: str,
    form: CheckInForm,
    check_ins: CheckInsDep,
    response: Response,
) -> CheckIn:
    """Record a participant present (→ SessionAttended, once per participant and session),
    from a set time before the session starts (1 hour by default) until it ends."""
    recorded, created = await check_ins.check_in(edition_id, session_id, form.participant_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return recorded


@router.get("/sessions/{session_id}/check-ins", responses={404: {"description": "Unknown session"}})
async def list_check_ins(edition_id: str, session_id: str, check_ins: CheckInsDep) -> list[CheckIn]:
    return await check_ins.of_session(edition_id, session_id)
