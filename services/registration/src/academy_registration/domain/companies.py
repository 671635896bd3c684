"""Company registrations: companies (from the seven countries or the Aix-Marseille-Provence
metropolis, or anywhere) register to network with the clusters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_extra_types.country import CountryAlpha2

from academy_contracts.events import CompanyContact, CompanyRegistered
from academy_contracts.values import Identifier, Sector, ShortText


class CompanyForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_name: ShortText
    country: CountryAlpha2 = Field(description="ISO 3166-1 alpha-2 code, e.g. TN or FR.")
    sector: Sector
    edition_id: Identifier | None = None
    cluster_name: ShortText | None = Field(
        default=None, description="The cluster the company belongs to, if any."
    )
    contact: CompanyContact
    interests: list[ShortText] = Field(default_factory=list, max_length=20)


def register(form: CompanyForm, *, company_id: str, now: datetime) -> CompanyRegistered:
    return CompanyRegistered(company_id=company_id, registered_at=now, **form.model_dump())


class CompanyFilter(BaseModel):
    """What staff narrow the list of companies by; an unset criterion matches all."""

    edition_id: str | None = None
    country: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$")] = None
    sector: Sector | None = None

    def criteria(self) -> dict[str, Any]:
        """The set criteria by the stored field they constrain."""
        return {k: str(v) for k, v in self.model_dump().items() if v is not None}
