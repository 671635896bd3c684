"""Finance's rate table as it is published: one whole version at a time, the newest in force
(:mod:`.money` converts with it)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field, field_validator

from academy_contracts.values import Currency, UtcDateTime
from academy_reimbursement.domain.money import Rate, RateTable

NO_RATES = RateTable(version=0, rates=())
"""Before finance posts a table, only euro lines convert (version 0 in the assessment)."""


class RateEntry(BaseModel):
    """From ``valid_from`` on, one euro buys ``units_per_eur`` of ``currency``."""

    currency: Currency
    valid_from: date
    units_per_eur: Decimal = Field(gt=0, max_digits=18, decimal_places=8)

    @field_validator("currency")
    @classmethod
    def _not_the_euro(cls, currency: Currency) -> Currency:
        if currency is Currency.EUR:
            raise ValueError("the euro is the reference currency (always 1)")
        return currency


class RateTableVersion(BaseModel):
    version: int
    rates: list[RateEntry]
    published_by: str
    published_at: UtcDateTime

    def table(self) -> RateTable:
        return RateTable(
            self.version,
            tuple(Rate(r.currency, r.valid_from, r.units_per_eur) for r in self.rates),
        )


def next_version(
    latest: RateTableVersion | None, rates: list[RateEntry], by: str, at: datetime
) -> RateTableVersion:
    """The version after ``latest``: it replaces the whole table from ``at`` on."""
    return RateTableVersion(
        version=1 if latest is None else latest.version + 1,
        rates=rates,
        published_by=by,
        published_at=at,
    )
