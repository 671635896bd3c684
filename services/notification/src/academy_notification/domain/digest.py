"""The project manager's digest: what happened in the Academy over a period, as counts.

New applications are counted per country and sector (and per country and per sector, zeros
included, since the selection balances the 7 countries and the 4 sectors); decisions are counted
by each application's latest one, so a cluster waitlisted then selected in the period counts
once, as selected; pending claims are the backlog at the time of the digest (claims received and
neither approved, rejected nor paid), whatever the period, since they are what still needs work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from academy_contracts.values import Country, Sector
from academy_notification.domain.failures import EmptyPeriod


class ClaimStatus(StrEnum):
    """Where a pending claim stands: received, or waiting for documents finance asked for."""

    CLAIMED = "claimed"
    DOCUMENTS_MISSING = "documents_missing"


CLAIM_PROGRESS: dict[str, int] = {
    "claimed": 1,
    "documents_missing": 2,
    "approved": 3,
    "rejected": 3,
    "paid": 4,
}
"""How far each step takes a claim. A claim's status is that of its furthest step, so a claim
and the documents it lacks, noted at the same instant, or a step redelivered late, cannot move
it back."""


class ApplicationCount(BaseModel):
    country: Country
    sector: Sector
    count: int


class Decisions(BaseModel):
    """Applications whose latest decision falls in the period, by that decision."""

    selected: int = 0
    waitlisted: int = 0
    rejected: int = 0
    """Not selected, offer declined or lapsed."""
    not_eligible: int = 0
    withdrawn: int = 0


class PendingClaim(BaseModel):
    claim_id: str
    application_id: str | None = None
    participant_id: str | None = None
    status: ClaimStatus
    claimed_at: datetime


class Digest(BaseModel):
    since: datetime
    until: datetime
    new_applications: int
    by_country_and_sector: list[ApplicationCount]
    """Only the pairs with applications, in the enums' order."""
    by_country: dict[Country, int]
    by_sector: dict[Sector, int]
    decisions: Decisions
    pending_claims: list[PendingClaim]
    """Oldest first."""


def digest(
    since: datetime,
    until: datetime,
    applications: Iterable[tuple[Country, Sector]],
    decisions: Iterable[str],
    pending_claims: list[PendingClaim],
) -> Digest:
    """The digest of the applications submitted in the period (their country and sector), the
    latest decisions taken in it (an application status each) and the pending claims."""
    pairs = Counter(applications)
    statuses = Counter(decisions)
    return Digest(
        since=since,
        until=until,
        new_applications=pairs.total(),
        by_country_and_sector=[
            ApplicationCount(country=country, sector=sector, count=pairs[country, sector])
            for country in Country
            for sector in Sector
            if pairs[country, sector]
        ],
        by_country={c: sum(n for (cc, _), n in pairs.items() if cc is c) for c in Country},
        by_sector={s: sum(n for (_, ss), n in pairs.items() if ss is s) for s in Sector},
        decisions=Decisions(**{name: statuses[name] for name in Decisions.model_fields}),
        pending_claims=sorted(pending_claims, key=lambda claim: claim.claimed_at),
    )


def period(
    since: datetime | None, until: datetime | None, at: datetime
) -> tuple[datetime, datetime]:
    """The period a digest covers: until ``at`` unless given, and the 24 hours before its end
    unless a start is given; it must start before it ends."""
    end = until or at
    start = since or end - timedelta(days=1)
    if start >= end:
        raise EmptyPeriod
    return start, end
