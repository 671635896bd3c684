"""The rate table finance publishes and each edition's caps."""

from __future__ import annotations

from typing import Self

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field, model_validator

from academy_contracts.values import ExpenseCategory, Identifier
from academy_reimbursement.domain.rates import RateEntry, RateTableVersion
from academy_reimbursement.entrypoints.api.access import CapsStaff, FinanceStaff, finance_only
from academy_reimbursement.entrypoints.api.deps import RatesDep
from academy_reimbursement.settings import EurAmount

router = APIRouter(prefix="/v1", tags=["rates"])


class RateTableForm(BaseModel):
    rates: list[RateEntry] = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _one_rate_per_currency_and_day(self) -> Self:
        starts = [(r.currency, r.valid_from) for r in self.rates]
        if len(set(starts)) != len(starts):
            raise ValueError("one rate per currency and valid_from date")
        return self


@router.post("/rate-tables", status_code=status.HTTP_201_CREATED, responses={409: {}})
async def publish_rates(
    form: RateTableForm, rates: RatesDep, member: FinanceStaff
) -> RateTableVersion:
    """Publish a new version of the rate table (units of each currency per euro, each from a
    date on); approvals convert with the newest version."""
    return await rates.publish(form.rates, member.subject)


@router.get("/rate-tables/latest", dependencies=[Depends(finance_only)], responses={404: {}})
async def latest_rates(rates: RatesDep) -> RateTableVersion:
    return await rates.latest()


class CapsForm(BaseModel):
    caps_eur: dict[ExpenseCategory, EurAmount]


@router.get("/editions/{edition_id}/caps")
async def read_caps(edition_id: str, rates: RatesDep, _: CapsStaff) -> CapsForm:
    """The caps in force for the edition, per category, in euros."""
    return CapsForm(caps_eur=await rates.caps(edition_id))


@router.put("/editions/{edition_id}/caps")
async def set_caps(
    edition_id: Identifier, form: CapsForm, rates: RatesDep, _: CapsStaff
) -> CapsForm:
    """Set the edition's own caps for the categories given; the others keep the defaults."""
    return CapsForm(caps_eur=await rates.set_caps(edition_id, form.caps_eur))
