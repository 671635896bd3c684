"""The check-in desk: who is expected at an edition, recording them present (by their id or
their check-in pass), and undoing a check-in made by mistake."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    """Who to check in: the participant's id, or the check-in pass their page shows as a QR
    code (the desk's scanner types it), one or the other."""

    model_config = ConfigDict(extra="forbid")

    participant_id: Identifier | None = None
    check_in_pass: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def one_of_the_two(self) -> CheckInForm:
        if (self.participant_id is None) == (self.check_in_pass is None):
            raise ValueError("give participant_id or check_in_pass, one of the two")
        return self


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
        401: {"description": "The check-in pass expired, or is not a pass"},
        422: {
            "description": "Not a participant of a selected cluster, a pass for another "
            "edition, or the session's check-in is not open (from ACADEMY_CHECK_IN_OPENS_BEFORE "
            "before its start until its end)"
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
    from a set time before the session starts (1 hour by default) until it ends; by their id,
    or by their check-in pass (an expired or forged one answers 401, another edition's 422)."""
    if form.check_in_pass is not None:
        recorded, created = await check_ins.check_in_by_pass(
            edition_id, session_id, form.check_in_pass
        )
    else:
        assert form.participant_id is not None
        recorded, created = await check_ins.check_in(edition_id, session_id, form.participant_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return recorded


@router.delete(
    "/sessions/{session_id}/check-ins/{participant_id}",
    responses={404: {"description": "Unknown session, or the participant was never checked in"}},
)
async def undo_check_in(
    edition_id: str, session_id: str, participant_id: str, check_ins: CheckInsDep
) -> CheckIn:
    """Strike out a check-in made by mistake (→ AttendanceUndone): the participant is no longer
    present; the check-in is answered with its ``undone_at``. Undoing again changes nothing;
    checking the participant in again records them present anew."""
    return await check_ins.undo(edition_id, session_id, participant_id)


@router.get("/sessions/{session_id}/check-ins", responses={404: {"description": "Unknown session"}})
async def list_check_ins(edition_id: str, session_id: str, check_ins: CheckInsDep) -> list[CheckIn]:
    return await check_ins.of_session(edition_id, session_id)
