"""Applicants' routes (public submission, then their own application through its link token)
and the staff's list and CSV export."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from academy_contracts import links
from academy_contracts.events import ClusterProfile
from academy_contracts.roles import Role
from academy_contracts.values import Country, Participant, Sector, UtcDateTime
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_kit.mongo import Document
from academy_kit.web import Limit, Offset
from academy_registration.domain.applications import (
    ApplicationContentForm,
    ApplicationForm,
    WithdrawalForm,
)
from academy_registration.entrypoints.api.deps import (
    ApplicationsDep,
    IdempotencyKey,
    LinkToken,
)

router = APIRouter(prefix="/v1", tags=["applications"])
staff_readers = StaffOnly(Role.ADMIN, Role.COMMITTEE)


class Status(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class ApplicationView(BaseModel):
    application_id: str
    edition_id: str
    status: Status
    revision: int
    cluster: ClusterProfile
    participants: list[Participant]
    motivations: str
    expectations: str
    can_advance_costs: bool
    commits_to_attend: bool
    submitted_at: UtcDateTime
    updated_at: UtcDateTime
    withdrawn_at: UtcDateTime | None = None
    withdrawal_reason: str | None = None

    @classmethod
    def of(cls, doc: Document) -> ApplicationView:
        return cls.model_validate({"application_id": doc["_id"], **doc})


class ApplicationReceipt(ApplicationView):
    access_token: str
    """The secret that opens this application: keep it, it is shown here only."""
    link: str


class ApplicationPage(BaseModel):
    items: list[ApplicationView]
    total: int
    offset: int
    limit: int


def _receipt(doc: Document, secret: Any) -> ApplicationReceipt:
    token = links.token_for(secret, doc["_id"])
    return ApplicationReceipt.model_validate(
        {
            "application_id": doc["_id"],
            **doc,
            "access_token": token,
            "link": f"/v1/applications/{doc['_id']}?token={token}",
        }
    )


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
    doc, created = await applications.submit(form, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/applications/{doc['_id']}"
    return _receipt(doc, applications.settings.link_secret)


@router.get("/applications/{application_id}", responses={404: {"description": "Not found"}})
async def read_application(
    application_id: str, applications: ApplicationsDep, token: LinkToken
) -> ApplicationView:
    """The applicant's own application, opened by its link token."""
    return ApplicationView.of(await applications.read(application_id, token))


@router.put(
    "/applications/{application_id}",
    responses={404: {"description": "Not found"}, 409: {"description": "Withdrawn"}},
)
async def amend_application(
    application_id: str,
    changes: ApplicationContentForm,
    applications: ApplicationsDep,
    token: LinkToken,
) -> ApplicationView:
    """Replace the application's content before the deadline (→ ApplicationUpdated, unless
    nothing changed)."""
    return ApplicationView.of(await applications.amend(application_id, token, changes))


@router.post("/applications/{application_id}/withdrawal", responses={404: {}})
async def withdraw_application(
    application_id: str,
    applications: ApplicationsDep,
    token: LinkToken,
    form: WithdrawalForm | None = None,
) -> ApplicationView:
    """Withdraw before the deadline (→ ApplicationWithdrawn); withdrawing again changes
    nothing."""
    doc = await applications.withdraw(application_id, token, form or WithdrawalForm())
    return ApplicationView.of(doc)


class ApplicationFilter(BaseModel):
    edition_id: str | None = None
    country: Country | None = None
    sector: Sector | None = None
    status: Status | None = None

    def query(self) -> dict[str, Any]:
        fields = {
            "edition_id": self.edition_id,
            "cluster.country": self.country,
            "cluster.sector": self.sector,
            "status": self.status,
        }
        return {name: str(value) for name, value in fields.items() if value is not None}


FilterDep = Annotated[ApplicationFilter, Query()]


@router.get("/applications", dependencies=[Depends(staff_readers)])
async def list_applications(
    filters: FilterDep,
    applications: ApplicationsDep,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ApplicationPage:
    """Applications, oldest first, filtered by edition, country, sector and status."""
    query = filters.query()
    docs = await applications.store.find(query, skip=offset, limit=limit)
    return ApplicationPage(
        items=[ApplicationView.of(doc) for doc in docs],
        total=await applications.store.count(query),
        offset=offset,
        limit=limit,
    )


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


def _row(view: ApplicationView) -> list[object]:
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
    docs = await applications.store.find(filters.query(), skip=0, limit=0)
    rows = (_row(ApplicationView.of(doc)) for doc in docs)
    return web.csv_response("applications.csv", CSV_COLUMNS, rows, bom=True)
