"""Company registrations: public registration, staff list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from academy_contracts.events import CompanyRegistered
from academy_contracts.roles import Role
from academy_contracts.values import Sector
from academy_kit.auth import StaffOnly
from academy_kit.mongo import Document
from academy_kit.web import Limit, Offset
from academy_registration.domain.companies import CompanyForm
from academy_registration.entrypoints.api.deps import IdempotencyKey, StaffDep

router = APIRouter(prefix="/v1/companies", tags=["companies"])


class CompanyPage(BaseModel):
    items: list[CompanyRegistered]
    total: int
    offset: int
    limit: int


def _company(doc: Document) -> CompanyRegistered:
    return CompanyRegistered.model_validate({"company_id": doc["_id"], **doc})


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "A retry under the same Idempotency-Key: the first result"}},
)
async def register_company(
    form: CompanyForm, staff: StaffDep, response: Response, idempotency_key: IdempotencyKey = None
) -> CompanyRegistered:
    """Register a company for networking with the clusters (→ CompanyRegistered)."""
    doc, created = await staff.register_company(form, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return _company(doc)


@router.get("", dependencies=[Depends(StaffOnly(Role.ADMIN))])
async def list_companies(
    staff: StaffDep,
    edition_id: str | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    sector: Sector | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> CompanyPage:
    fields = {"edition_id": edition_id, "country": country, "sector": sector}
    query: dict[str, Any] = {k: str(v) for k, v in fields.items() if v is not None}
    docs = await staff.companies.find(query, skip=offset, limit=limit)
    return CompanyPage(
        items=[_company(doc) for doc in docs],
        total=await staff.companies.count(query),
        offset=offset,
        limit=limit,
    )
