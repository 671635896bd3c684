"""An edition's selection: drafted from the screened, reviewed applications by the balance
solver, then published once as one record of every cluster's decision.

The record holds the decisions of the whole edition, so that an offer given up and the
waitlisted cluster promoted into its place change together, in one write of one document.
Pure: the handlers supply the clock and the stores.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from academy_contracts.events import (
    ClusterProfile,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    IntegrationEvent,
    RejectionReason,
    SelectionExplanation,
)
from academy_contracts.values import BoundedText, Country, Participant, Sector, UtcDateTime
from academy_selection.domain.applications import Application, ApplicationStatus
from academy_selection.domain.balance import (
    BalanceRules,
    Bounds,
    Candidate,
    Outcome,
    Placement,
    solve,
)
from academy_selection.domain.failures import RegistrationOpen, ReviewsMissing, RulesConflict
from academy_selection.domain.reviews import Review, ReviewPolicy, mean_score


class Bound(BaseModel):
    """How many selected clusters a country or sector must and may have."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    minimum: int = Field(default=0, ge=0, le=1000)
    maximum: int | None = Field(default=None, ge=0, le=1000)
    """None: no maximum."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        Bounds(self.minimum, self.maximum)  # refuses a maximum below the minimum
        return self

    @classmethod
    def of(cls, bounds: Bounds) -> Bound:
        return cls(minimum=bounds.minimum, maximum=bounds.maximum)

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.minimum, self.maximum)


class BalancePolicy(BaseModel):
    """The balance rules staff set for an edition. A country or sector they leave out keeps
    the default: from half to twice an even share of the places. A country within a sector
    (a cell) is bounded only when they say so."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    countries: dict[Country, Bound] = Field(default_factory=dict)
    sectors: dict[Sector, Bound] = Field(default_factory=dict)
    cells: dict[Country, dict[Sector, Bound]] = Field(
        default_factory=dict,
        description="How many selected clusters of one country one sector must and may have, "
        'by country then sector: {"TN": {"health": {"maximum": 3}}}',
    )

    def rules(self, capacity: int) -> BalanceRules:
        default = BalanceRules.default(capacity)
        return BalanceRules(
            capacity,
            {**default.countries, **{c: b.bounds for c, b in self.countries.items()}},
            {**default.sectors, **{s: b.bounds for s, b in self.sectors.items()}},
            {
                (country, sector): bound.bounds
                for country, sectors in self.cells.items()
                for sector, bound in sectors.items()
            },
        )

    @classmethod
    def of(cls, rules: BalanceRules) -> BalancePolicy:
        """Every bound of ``rules``, spelt out (the cells' only where set)."""
        cells: dict[Country, dict[Sector, Bound]] = {}
        for (country, sector), bounds in rules.cells.items():
            cells.setdefault(country, {})[sector] = Bound.of(bounds)
        return cls(
            countries={c: Bound.of(b) for c, b in rules.countries.items()},
            sectors={s: Bound.of(b) for s, b in rules.sectors.items()},
            cells=cells,
        )


class DecisionStatus(StrEnum):
    OFFERED = "offered"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


HOLDING = frozenset({DecisionStatus.OFFERED, DecisionStatus.CONFIRMED})
"""Statuses that hold one of the edition's places."""


class Decision(BaseModel):
    """Where one cluster stands in the published selection, with what its events quote."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    cluster: ClusterProfile
    participants: list[Participant]
    submitted_at: UtcDateTime
    status: DecisionStatus
    explanation: SelectionExplanation
    waitlist_rank: int | None = None
    offer_deadline: UtcDateTime | None = None
    rejection: RejectionReason | None = None
    decided_at: UtcDateTime
    declined_because: BoundedText | None = None
    """The cluster's own words when it declined its place, for the project manager."""

    @property
    def candidate(self) -> Candidate:
        """The cluster as the balance solver weighs it."""
        return Candidate(
            self.application_id,
            self.cluster.country,
            self.cluster.sector,
            self.explanation.score or Decimal(0),
            self.submitted_at,
        )


class Selection(BaseModel):
    """An edition's published selection; ``version`` grows with every change so that
    concurrent changes (an applicant confirming while the lapse sweep runs) cannot overwrite
    each other."""

    model_config = ConfigDict(frozen=True)

    edition_id: str
    version: int = 0
    published_at: UtcDateTime
    published_by: str
    offer_period: timedelta
    capacity: int
    rules: BalancePolicy
    """The rules the selection was made under (relaxed, if staff accepted a relaxation);
    promotions keep to them."""
    objective: Decimal
    decisions: list[Decision]
    closed: bool = False
    """The waitlist is closed: nobody is promoted any more."""

    @property
    def balance_rules(self) -> BalanceRules:
        return self.rules.rules(self.capacity)

    @property
    def next_offer_deadline(self) -> datetime | None:
        """The earliest deadline of an open offer: when the lapse sweep has work here."""
        deadlines = [
            d.offer_deadline
            for d in self.decisions
            if d.status is DecisionStatus.OFFERED and d.offer_deadline is not None
        ]
        return min(deadlines, default=None)

    def decision(self, application_id: str) -> Decision | None:
        return next((d for d in self.decisions if d.application_id == application_id), None)


@dataclass(frozen=True)
class Unranked:
    """An eligible application that cannot be ranked yet: it lacks reviews."""

    application_id: str
    reviews: int
    needed: int


def short_of_reviews(
    eligible: Iterable[str], reviews: Iterable[Review], policy: ReviewPolicy
) -> list[Unranked]:
    """The eligible applications (by id, in the order given) with fewer reviews than the
    policy asks: they cannot be ranked yet."""
    counts = Counter(review.application_id for review in reviews)
    return [
        Unranked(application_id, counts[application_id], policy.min_reviews)
        for application_id in eligible
        if counts[application_id] < policy.min_reviews
    ]


@dataclass(frozen=True)
class Draft:
    """What publishing now would decide; ``rules`` are those the selection keeps to (the
    solver's relaxation of the edition's rules when they cannot all hold)."""

    decisions: list[Decision]
    unranked: list[Unranked]
    outcome: Outcome
    rules: BalanceRules

    def of_status(self, status: DecisionStatus) -> list[Decision]:
        return [d for d in self.decisions if d.status is status]


def _explanation(placement: Placement) -> SelectionExplanation:
    return SelectionExplanation(
        score=placement.score,
        rank=placement.rank,
        rank_in_country=placement.country_rank,
        rank_in_sector=placement.sector_rank,
        binding_rules=list(placement.binding_rules),
        summary=placement.summary,
    )


def _decision(
    application: Application,
    status: DecisionStatus,
    explanation: SelectionExplanation,
    now: datetime,
    **extra: object,
) -> Decision:
    return Decision.model_validate(
        {
            "application_id": application.application_id,
            "cluster": application.cluster,
            "participants": application.participants,
            "submitted_at": application.arrived_at,
            "status": status,
            "explanation": explanation,
            "decided_at": now,
            **extra,
        }
    )


def draft(
    applications: Iterable[Application],
    reviews: Collection[Review],
    policy: ReviewPolicy,
    rules: BalanceRules,
    now: datetime,
) -> Draft:
    """Rank the eligible applications with enough reviews and solve the balance problem.

    Ineligible applications are rejected with their screening reasons; withdrawn ones and
    ones not screened yet take no part (the first left, the second cannot be judged).
    """
    by_application: Mapping[str, list[Review]] = defaultdict(list)
    for review in reviews:
        by_application[review.application_id].append(review)
    running = {
        a.application_id: a
        for a in applications
        if a.status is ApplicationStatus.ACTIVE and a.screening is not None
    }
    eligible = [a.application_id for a in running.values() if a.eligible]
    unranked = short_of_reviews(eligible, reviews, policy)
    waiting = {u.application_id for u in unranked}
    candidates, rejected = [], []
    for application in running.values():
        if not application.eligible:
            reasons = application.screening.reasons if application.screening else []
            summary = "Not eligible: " + ", ".join(reasons)
            rejected.append(
                _decision(
                    application,
                    DecisionStatus.REJECTED,
                    SelectionExplanation(summary=summary),
                    now,
                    rejection=RejectionReason.NOT_ELIGIBLE,
                )
            )
            continue
        score = mean_score(by_application[application.application_id])
        if score is None or application.application_id in waiting:  # None: not reviewed
            continue
        candidates.append(
            Candidate(
                application.application_id,
                application.cluster.country,
                application.cluster.sector,
                score,
                application.arrived_at,
            )
        )
    outcome = solve(candidates, rules)
    selected = [
        _decision(running[p.application_id], DecisionStatus.OFFERED, _explanation(p), now)
        for p in outcome.selected
    ]
    waitlisted = [
        _decision(
            running[p.application_id],
            DecisionStatus.WAITLISTED,
            _explanation(p),
            now,
            waitlist_rank=position,
        )
        for position, p in enumerate(outcome.waitlist, start=1)
    ]
    return Draft(
        decisions=selected + waitlisted + rejected,
        unranked=unranked,
        outcome=outcome,
        rules=rules.relaxed(outcome.relaxations),
    )


def may_publish(
    proposal: Draft, *, registration_deadline: datetime, accept_relaxations: bool, now: datetime
) -> None:
    """A selection is published once no more applications can arrive, every eligible one is
    reviewed enough to be ranked, and the balance rules hold (or staff accept the nearest
    rules that can)."""
    if now <= registration_deadline:
        raise RegistrationOpen(registration_deadline)
    if proposal.unranked:
        raise ReviewsMissing(proposal.unranked)
    if not proposal.outcome.feasible and not accept_relaxations:
        raise RulesConflict(proposal.outcome.conflicts, proposal.outcome.relaxations)


def publish(
    proposal: Draft,
    *,
    edition_id: str,
    by: str,
    offer_period: timedelta,
    registration_deadline: datetime,
    accept_relaxations: bool,
    now: datetime,
) -> tuple[Selection, list[IntegrationEvent]]:
    """The selection the draft decides, if it :func:`may_publish`, its offers open for
    ``offer_period``, and the event that tells each cluster its decision."""
    may_publish(
        proposal,
        registration_deadline=registration_deadline,
        accept_relaxations=accept_relaxations,
        now=now,
    )
    deadline = now + offer_period
    decisions = [
        d.model_copy(update={"offer_deadline": deadline})
        if d.status is DecisionStatus.OFFERED
        else d
        for d in proposal.decisions
    ]
    selection = Selection(
        edition_id=edition_id,
        published_at=now,
        published_by=by,
        offer_period=offer_period,
        capacity=proposal.rules.capacity,
        rules=BalancePolicy.of(proposal.rules),
        objective=proposal.outcome.objective,
        decisions=decisions,
    )
    return selection, [announcement(edition_id, d) for d in decisions]


def announcement(edition_id: str, decision: Decision) -> IntegrationEvent:
    """The event telling a cluster the decision it just received."""
    if decision.status is DecisionStatus.OFFERED:
        return ClusterSelected(
            application_id=decision.application_id,
            edition_id=edition_id,
            cluster=decision.cluster,
            participants=decision.participants,
            selected_at=decision.decided_at,
            offer_deadline=decision.offer_deadline,
            explanation=decision.explanation,
        )
    if decision.status is DecisionStatus.WAITLISTED and decision.waitlist_rank is not None:
        return ClusterWaitlisted(
            application_id=decision.application_id,
            edition_id=edition_id,
            cluster=decision.cluster,
            participants=decision.participants,
            waitlist_rank=decision.waitlist_rank,
            decided_at=decision.decided_at,
            explanation=decision.explanation,
        )
    if decision.rejection is not None:
        return ClusterRejected(
            application_id=decision.application_id,
            edition_id=edition_id,
            cluster=decision.cluster,
            participants=decision.participants,
            reason=decision.rejection,
            decided_at=decision.decided_at,
            explanation=decision.explanation,
        )
    raise ValueError(f"no event announces a decision {decision.status}")
