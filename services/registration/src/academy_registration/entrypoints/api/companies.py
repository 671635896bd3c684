"""Company registrations: public registration, staff list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from academy_contracts.events import CompanyRegistered
from academy_contracts.roles import Role
from academy_kit.auth import StaffOnly
from academy_kit.web import Limit, Offset
from academy_registration.domain.companies import CompanyFilter, CompanyForm
from academy_registration.entrypoints.api.deps import CompaniesDep, IdempotencyKey

router = APIRouter(prefix="/v1/companies", tags=["companies"])


class CompanyPage(BaseModel):
    items: list[CompanyRegistered]
    total: int
    offset: int
    limit: int


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "A retry under the same Idempotency-Key: the first result"}},
)
async def register_company(
    form: CompanyForm,
    companies: CompaniesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CompanyRegistered:
    """Register a company for networking with the clusters (→ CompanyRegistered)."""
    company, created = await companies.register(form, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return company


@router.get("", dependencies=[Depends(StaffOnly(Role.ADMIN))])
async def list_companies(
    filters: Annotated[CompanyFilter, Query()],
    companies: CompaniesDep,
    offset: Offset = 0,
    limit: Limit = 100,
) -> CompanyPage:
    items, total = await companies.page(filters, offset=offset, limit=limit)
    return CompanyPage(items=items, total=total, offset=offset, limit=limit)
