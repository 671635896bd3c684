"""The check-in desk: who is expected at an edition, and recording them present."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict

from academy_contracts.roles import Role
from academy_contracts.values import Identifier, Participant, UtcDateTime
from academy_kit.auth import StaffOnly
from academy_kit.mongo import Document
from academy_registration.entrypoints.api.deps import StaffDep

router = APIRouter(
    prefix="/v1/editions/{edition_id}",
    tags=["check-in"],
    dependencies=[Depends(StaffOnly(Role.CHECKIN, Role.ADMIN))],
)


class CheckInForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participant_id: Identifier


class CheckIn(BaseModel):
    edition_id: str
    session_id: str
    application_id: str
    participant_id: str
    attended_at: UtcDateTime

    @classmethod
    def of(cls, doc: Document) -> CheckIn:
        return cls.model_validate(doc)


class ExpectedCluster(BaseModel):
    application_id: str
    cluster_name: str
    participants: list[Participant]


@router.get("/participants", responses={404: {"description": "Unknown edition"}})
async def expected_participants(edition_id: str, staff: StaffDep) -> list[ExpectedCluster]:
    """The selected clusters' participants, whom the desk checks in."""
    await staff.edition(edition_id)
    return [
        ExpectedCluster.model_validate({"application_id": doc["_id"], **doc})
        for doc in await staff.attendance.selected(edition_id)
    ]


@router.post(
    "/sessions/{session_id}/check-ins",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Already checked in: the first check-in"},
        404: {"description": "Unknown edition or session"},
        422: {"description": "Not a participant of a selected cluster"},
    },
)
async def check_in(
    edition_id: str, session_id: str, form: CheckInForm, staff: StaffDep, response: Response
) -> CheckIn:
    """Record a participant present (→ SessionAttended, once per participant and session)."""
    doc, created = await staff.check_in(edition_id, session_id, form.participant_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return CheckIn.of(doc)


@router.get("/sessions/{session_id}/check-ins", responses={404: {"description": "Unknown session"}})
async def list_check_ins(edition_id: str, session_id: str, staff: StaffDep) -> list[CheckIn]:
    await staff.session(edition_id, session_id)
    return [CheckIn.of(doc) for doc in await staff.attendance.check_ins(edition_id, session_id)]
