"""The funder's report on an edition, computed from facts the service keeps from the events
alone (:mod:`academy_documents.adapters.report`), so that replaying the topics from the
beginning into an empty database gives the same figures.

The facts are kept per application and per claim, each aspect under its own natural order
(the content's revision, the screening's revision, the decision's time); the figures are
computed when asked, so they never drift from the facts and need no counter that a redelivery
could bump twice.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel

from academy_contracts.events import EditionSession
from academy_contracts.values import Country, Currency, ExpenseCategory, Sector, Sex, UtcDateTime

NOT_STATED = "not_stated"
"""The sex column of participants who did not answer (the field is optional)."""
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TENTH = Decimal("0.1")
DAY_SECONDS = Decimal(86400)


class Decision(StrEnum):
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"


class Content(BaseModel):
    """What the latest revision of an application says that the report counts by."""

    country: Country
    sector: Sector
    participants: dict[str, Sex | None]
    """Each participant, with the sex they stated (None: no answer)."""


class ApplicationFacts(BaseModel):
    """What the events say of one application, as the service keeps it; ``content`` is None
    while only later events (a decision) are known, not the submission."""

    application_id: str
    edition_id: str
    content: Content | None = None
    withdrawn: bool = False
    eligible: bool | None = None
    decision: Decision | None = None
    confirmed: bool = False

    @property
    def taking_part(self) -> bool:
        """Selected, and the place confirmed: its participants are the edition's."""
        return self.decision == Decision.SELECTED and self.confirmed


class ClaimLine(BaseModel):
    category: ExpenseCategory
    currency: Currency
    amount: Decimal


class ClaimFacts(BaseModel):
    claim_id: str
    edition_id: str
    application_id: str
    lines: list[ClaimLine] = []
    claimed_at: UtcDateTime | None = None
    eligible_eur: Decimal | None = None
    approved_eur: Decimal | None = None
    rejected: bool = False
    paid_eur: Decimal | None = None
    paid_at: UtcDateTime | None = None


class ParticipantCount(BaseModel):
    country: Country
    sector: Sector
    sex: str
    participants: int


class SessionAttendance(BaseModel):
    session_id: str
    starts_at: UtcDateTime
    present: int
    rate: Decimal | None
    """Present out of the edition's participants, from 0 to 1, to two places; None without any."""


class Claimed(BaseModel):
    """Costs claimed in one country's clusters, per category, in the currency incurred (claims
    are converted to euros only as a whole, on approval)."""

    country: Country
    category: ExpenseCategory
    currency: Currency
    amount: Decimal


class Reimbursed(BaseModel):
    """Euros per country: eligible and reimbursed (90%) on approval, and paid."""

    country: Country
    claims: int
    eligible_eur: Decimal
    reimbursed_eur: Decimal
    paid_eur: Decimal


class PaymentDelay(BaseModel):
    """Days from a claim to its payment, over the claims paid."""

    paid_claims: int
    mean_days: Decimal | None
    median_days: Decimal | None
    longest_days: Decimal | None


class FunderReport(BaseModel):
    edition_id: str
    applications: int
    withdrawn: int
    eligible: int
    selected: int
    confirmed: int
    participants: int
    participants_by_country_sector_sex: list[ParticipantCount]
    attendance: list[SessionAttendance]
    completed: int
    """Participants present at every session."""
    completion_rate: Decimal | None
    claimed: list[Claimed]
    reimbursed: list[Reimbursed]
    claim_to_payment: PaymentDelay


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(CENT) if whole else None


def _days(days: Decimal | None) -> Decimal | None:
    return None if days is None else days.quantize(TENTH)


def funder_report(
    edition_id: str,
    sessions: Iterable[EditionSession],
    applications: Iterable[ApplicationFacts],
    present: Iterable[tuple[str, str]],
    claims: Iterable[ClaimFacts],
) -> FunderReport:
    """The report from the facts; ``present`` holds (participant, session) of every check-in
    that stands."""
    apps = [(a, a.content) for a in applications if a.content is not None]
    taking_part = [content for a, content in apps if a.taking_part]
    people = {pid for content in taking_part for pid in content.participants}
    by_group = Counter(
        (content.country, content.sector, sex.value if sex else NOT_STATED)
        for content in taking_part
        for sex in content.participants.values()
    )
    ordered_sessions = sorted(sessions, key=lambda s: (s.starts_at, s.session_id))
    attended: defaultdict[str, set[str]] = defaultdict(set)
    for participant_id, session_id in present:
        if participant_id in people:
            attended[participant_id].add(session_id)
    session_ids = {s.session_id for s in ordered_sessions}
    completed = sum(1 for pid in people if session_ids and session_ids <= attended[pid])
    countries = {a.application_id: content.country for a, content in apps}
    claimed: defaultdict[tuple[Country, ExpenseCategory, Currency], Decimal] = defaultdict(Decimal)
    money: dict[Country, Reimbursed] = {}
    delays: list[Decimal] = []
    for claim in claims:
        country = countries.get(claim.application_id)
        if country is None or claim.claimed_at is None:
            continue
        for line in claim.lines:
            claimed[(country, line.category, line.currency)] += line.amount
        totals = money.setdefault(
            country,
            Reimbursed(
                country=country,
                claims=0,
                eligible_eur=ZERO,
                reimbursed_eur=ZERO,
                paid_eur=ZERO,
            ),
        )
        totals.claims += 1
        if not claim.rejected:
            totals.eligible_eur += claim.eligible_eur or 0
            totals.reimbursed_eur += claim.approved_eur or 0
        totals.paid_eur += claim.paid_eur or 0
        if claim.paid_at is not None:
            seconds = Decimal((claim.paid_at - claim.claimed_at).total_seconds())
            delays.append(seconds / DAY_SECONDS)
    return FunderReport(
        edition_id=edition_id,
        applications=len(apps),
        withdrawn=sum(a.withdrawn for a, _ in apps),
        eligible=sum(a.eligible is True for a, _ in apps),
        selected=sum(a.decision == Decision.SELECTED for a, _ in apps),
        confirmed=len(taking_part),
        participants=len(people),
        participants_by_country_sector_sex=[
            ParticipantCount(country=c, sector=s, sex=x, participants=n)
            for (c, s, x), n in sorted(by_group.items())
        ],
        attendance=[
            SessionAttendance(
                session_id=s.session_id,
                starts_at=s.starts_at,
                present=(n := sum(s.session_id in attended[pid] for pid in people)),
                rate=_rate(n, len(people)),
            )
            for s in ordered_sessions
        ],
        completed=completed,
        completion_rate=_rate(completed, len(people)),
        claimed=[
            Claimed(country=c, category=k, currency=cur, amount=amount)
            for (c, k, cur), amount in sorted(claimed.items())
        ],
        reimbursed=[money[country] for country in sorted(money)],
        claim_to_payment=PaymentDelay(
            paid_claims=len(delays),
            mean_days=_days(statistics.mean(delays) if delays else None),
            median_days=_days(statistics.median(delays) if delays else None),
            longest_days=_days(max(delays) if delays else None),
        ),
    )
