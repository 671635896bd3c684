"""Applicants' routes (public submission; the cluster manager's application and each
participant's own part, through their personal links) and the staff's list and CSV export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from academy_contracts.roles import Role
from academy_contracts.values import Participant
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_kit.web import Limit, LinkGrant, Offset
from academy_registration.domain.applications import (
    Application,
    ApplicationContentForm,
    ApplicationFilter,
    ApplicationForm,
    WithdrawalForm,
)
from academy_registration.entrypoints.api.deps import ApplicationsDep, IdempotencyKey

router = APIRouter(prefix="/v1", tags=["applications"])
staff_readers = StaffOnly(Role.ADMIN, Role.COMMITTEE)


class ApplicationReceipt(Application):
    access_token: str
    """The cluster manager's personal link token, which manages this application; each
    participant receives their own by email."""
    link: str


class ParticipantRecord(BaseModel):
    """What a participant's own link shows of the application: its state and that person."""

    application_id: str
    edition_id: str
    cluster_name: str
    status: str
    participant: Participant
    check_in_pass: str
    """What the desk scans to check this participant in (a QR code on their page); it opens
    nothing else."""


class ApplicationPage(BaseModel):
    items: list[Application]
    total: int
    offset: int
    limit: int


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "A retry under the same Idempotency-Key: the first result"},
        404: {"description": "Unknown edition"},
        409: {"description": "This cluster already applied to this edition"},
        422: {"description": "Invalid application, or registration closed"},
    },
)
async def submit_application(
    form: ApplicationForm,
    response: Response,
    applications: ApplicationsDep,
    idempotency_key: IdempotencyKey = None,
) -> ApplicationReceipt:
    """Apply to an edition on behalf of a cluster (→ ApplicationSubmitted). The answer holds
    the link token the applicant reads, amends and withdraws the application with."""
    application, created = await applications.submit(form, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    application_id = application.application_id
    response.headers["Location"] = f"/v1/applications/{application_id}"
    token = applications.manager_token(application)
    return ApplicationReceipt(
        **application.model_dump(),
        access_token=token,
        link=f"/v1/applications/{application_id}?token={token}",
    )


LINK_REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "The link expired, was altered, or is a retired application-wide one"},
    403: {"description": "The link is not this application's manager's (or person's)"},
    404: {"description": "Not found"},
    410: {"description": "The person the link names was erased: it opens nothing any more"},
}


@router.get("/applications/{application_id}", responses=LINK_REFUSED)
async def read_application(
    application_id: str, applications: ApplicationsDep, grant: LinkGrant
) -> Application:
    """The application, opened by its cluster manager's personal link."""
    return await applications.read(application_id, grant)


@router.get("/applications/{application_id}/participants/{participant_id}", responses=LINK_REFUSED)
async def read_participant(
    application_id: str, participant_id: str, applications: ApplicationsDep, grant: LinkGrant
) -> ParticipantRecord:
    """The participant's own part of the application, opened by that participant's link (the
    manager's link opens the manager's part): never a teammate's details."""
    application, person = await applications.person(application_id, participant_id, grant)
    return ParticipantRecord(
        application_id=application.application_id,
        edition_id=application.edition_id,
        cluster_name=application.cluster.name,
        status=application.status,
        participant=person,
        check_in_pass=applications.check_in_pass(application.application_id, person.participant_id),
    )


@router.put(
    "/applications/{application_id}",
    responses={**LINK_REFUSED, 409: {"description": "Withdrawn"}},
)
async def amend_application(
    application_id: str,
    changes: ApplicationContentForm,
    applications: ApplicationsDep,
    grant: LinkGrant,
) -> Application:
    """Replace the application's content before the deadline (→ ApplicationUpdated, unless
    nothing changed); the cluster manager's link only."""
    return await applications.amend(application_id, grant, changes)


@router.post("/applications/{application_id}/withdrawal", responses=LINK_REFUSED)
async def withdraw_application(
    application_id: str,
    applications: ApplicationsDep,
    grant: LinkGrant,
    form: WithdrawalForm | None = None,
) -> Application:
    """Withdraw before the deadline (→ ApplicationWithdrawn); withdrawing again changes
    nothing; the cluster manager's link only."""
    return await applications.withdraw(application_id, grant, form or WithdrawalForm())


FilterDep = Annotated[ApplicationFilter, Query()]


@router.get("/applications", dependencies=[Depends(staff_readers)])
async def list_applications(
    filters: FilterDep,
    applications: ApplicationsDep,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ApplicationPage:
    """Applications, oldest first, filtered by edition, country, sector and status."""
    items, total = await applications.page(filters, offset=offset, limit=limit)
    return ApplicationPage(items=items, total=total, offset=offset, limit=limit)


CSV_COLUMNS = (
    "application_id",
    "edition_id",
    "status",
    "revision",
    "submitted_at",
    "updated_at",
    "cluster_name",
    "country",
    "sector",
    "eccp_id",
    "eccp_profile_url",
    "manager_name",
    "manager_email",
    "manager_language",
    "board_member_1_name",
    "board_member_1_email",
    "board_member_2_name",
    "board_member_2_email",
    "can_advance_costs",
    "commits_to_attend",
    "motivations",
    "expectations",
)


def _row(view: Application) -> list[object]:
    manager = next(p for p in view.participants if p.role == "cluster_manager")
    board = [p for p in view.participants if p.role == "board_member"]
    return [
        view.application_id,
        view.edition_id,
        view.status,
        view.revision,
        view.submitted_at,
        view.updated_at,
        view.cluster.name,
        view.cluster.country,
        view.cluster.sector,
        view.cluster.eccp_id,
        view.cluster.eccp_profile_url or "",
        manager.full_name,
        manager.email,
        manager.language,
        board[0].full_name,
        board[0].email,
        board[1].full_name,
        board[1].email,
        view.can_advance_costs,
        view.commits_to_attend,
        view.motivations,
        view.expectations,
    ]


@router.get(
    "/applications.csv",
    dependencies=[Depends(staff_readers)],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per application"}},
)
async def export_applications(filters: FilterDep, applications: ApplicationsDep) -> Response:
    """The filtered applications as CSV (UTF-8 with BOM, so spreadsheets read the accents)."""
    rows = (_row(application) for application in await applications.export(filters))
    return web.csv_response("applications.csv", CSV_COLUMNS, rows, bom=True)
