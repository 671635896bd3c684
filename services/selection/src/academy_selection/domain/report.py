"""The balance report: how applications, eligibility and places spread over the countries and
sectors, so staff can see at a glance whether the edition is balanced."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from academy_contracts.values import Country, Sector
from academy_selection.domain.applications import Application, ApplicationStatus
from academy_selection.domain.selection import HOLDING, DecisionStatus, Selection


class Counts(BaseModel):
    applications: int = 0
    """Applications in the running (withdrawn ones left out)."""
    eligible: int = 0
    selected: int = 0
    """Clusters holding a place: offered or confirmed."""
    waitlisted: int = 0

    def plus(self, other: Counts) -> Counts:
        return Counts(
            applications=self.applications + other.applications,
            eligible=self.eligible + other.eligible,
            selected=self.selected + other.selected,
            waitlisted=self.waitlisted + other.waitlisted,
        )


class Cell(Counts):
    country: Country
    sector: Sector


class BalanceReport(BaseModel):
    edition_id: str
    published: bool
    cells: list[Cell]
    """One per country and sector, every pair listed (zeros included)."""
    by_country: dict[Country, Counts]
    by_sector: dict[Sector, Counts]
    total: Counts


def balance_report(
    edition_id: str, applications: Iterable[Application], selection: Selection | None
) -> BalanceReport:
    counts = {(c, s): Counts() for c in Country for s in Sector}
    for application in applications:
        if application.status is ApplicationStatus.WITHDRAWN:
            continue
        key = (application.cluster.country, application.cluster.sector)
        counts[key] = counts[key].plus(Counts(applications=1, eligible=int(application.eligible)))
    for decision in selection.decisions if selection else []:
        key = (decision.cluster.country, decision.cluster.sector)
        counts[key] = counts[key].plus(
            Counts(
                selected=int(decision.status in HOLDING),
                waitlisted=int(decision.status is DecisionStatus.WAITLISTED),
            )
        )
    by_country = {c: Counts() for c in Country}
    by_sector = {s: Counts() for s in Sector}
    total = Counts()
    for (country, sector), cell in counts.items():
        by_country[country] = by_country[country].plus(cell)
        by_sector[sector] = by_sector[sector].plus(cell)
        total = total.plus(cell)
    return BalanceReport(
        edition_id=edition_id,
        published=selection is not None,
        cells=[Cell(country=c, sector=s, **n.model_dump()) for (c, s), n in counts.items()],
        by_country=by_country,
        by_sector=by_sector,
        total=total,
    )
