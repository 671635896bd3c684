"""Automatic eligibility screening, with machine-readable reasons notifications can quote.

The contract enums already restrict countries and sectors and the contract validates the team,
but the checks stay here: they are the program's rules, an edition may come to restrict them
further, and a record may come from an older or looser producer. Every broken rule is reported,
not only the first, so an applicant learns everything to fix at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from academy_contracts.events import ApplicationScreened, ScreeningReason, team_problem
from academy_contracts.values import Country, Sector
from academy_selection.domain.applications import Application, Screening


@dataclass(frozen=True)
class Eligibility:
    """The rules of one edition: its deadline and the countries and sectors it admits."""

    deadline: datetime
    """Inclusive: a revision made at this very instant is on time."""
    countries: frozenset[Country] = field(default_factory=lambda: frozenset(Country))
    sectors: frozenset[Sector] = field(default_factory=lambda: frozenset(Sector))


def reasons(application: Application, rules: Eligibility) -> list[ScreeningReason]:
    """Every eligibility rule the application breaks, in a stable order."""
    found = []
    if not application.cluster.eccp_id.strip():
        found.append(ScreeningReason.ECCP_MISSING)
    if application.cluster.country not in rules.countries:
        found.append(ScreeningReason.COUNTRY_INELIGIBLE)
    if application.cluster.sector not in rules.sectors:
        found.append(ScreeningReason.SECTOR_INELIGIBLE)
    if team_problem([(p.role, p.email) for p in application.participants]):
        found.append(ScreeningReason.TEAM_INCOMPLETE)
    if not application.can_advance_costs:
        found.append(ScreeningReason.CANNOT_ADVANCE_COSTS)
    if not application.commits_to_attend:
        found.append(ScreeningReason.NO_ATTENDANCE_COMMITMENT)
    if application.changed_at > rules.deadline:
        found.append(ScreeningReason.AFTER_DEADLINE)
    return found


def screen(application: Application, rules: Eligibility, now: datetime) -> Screening:
    """The screening of the application's current revision."""
    broken = reasons(application, rules)
    return Screening(
        revision=application.revision, eligible=not broken, reasons=broken, screened_at=now
    )


def screen_revision(
    application: Application, rules: Eligibility, now: datetime
) -> tuple[Screening, ApplicationScreened]:
    """The screening of the application's current revision, and the event that says so."""
    screening = screen(application, rules, now)
    event = ApplicationScreened(
        application_id=application.application_id,
        edition_id=application.edition_id,
        revision=screening.revision,
        eligible=screening.eligible,
        reasons=screening.reasons,
        screened_at=screening.screened_at,
    )
    return screening, event
