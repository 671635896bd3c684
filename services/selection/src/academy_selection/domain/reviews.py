"""Reviews: committee members score an application's motivations and expectations on the
edition's rubric of named, weighted criteria.

A review's score is the weighted mean of its criteria, each first brought onto 0-100 so that
criteria on different scales weigh only by their weight; an application's score is the mean of
its reviews' scores. Both are Decimals rounded half-even to hundredths, so the same reviews
always give the same score and the selection is reproducible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

from academy_contracts.values import Country, ShortText, UtcDateTime
from academy_selection.domain.applications import Application
from academy_selection.domain.failures import (
    CountryConflict,
    DeclaredConflict,
    InvalidScores,
    NotOnCommittee,
    NotReviewable,
    ReviewFirst,
    ReviewsClosed,
    RubricInUse,
)

CriterionName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""Lower-case words joined by underscores: safe as a field name in documents and in JSON."""
CENT = Decimal("0.01")


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: CriterionName
    weight: Decimal = Field(default=Decimal(1), gt=0, le=100, max_digits=6, decimal_places=2)
    scale_min: int = Field(default=1, ge=0, le=100)
    scale_max: int = Field(default=5, ge=1, le=100)
    description: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _scale_is_a_range(self) -> Self:
        if self.scale_max <= self.scale_min:
            raise ValueError("scale_max must be greater than scale_min")
        return self


DEFAULT_CRITERIA = (
    Criterion(name="motivations", description="Why the cluster wants to take part"),
    Criterion(name="expectations", description="What the cluster expects to gain and share"),
)


class CommitteeMember(BaseModel):
    """A reviewer; their country, when given, is what the conflict-of-interest rule checks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: ShortText
    country: Country | None = None


class ReviewPolicy(BaseModel):
    """How an edition's applications are reviewed; the defaults fit the first edition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    criteria: list[Criterion] = Field(
        default_factory=lambda: list(DEFAULT_CRITERIA), min_length=1, max_length=20
    )
    min_reviews: int = Field(default=2, ge=1, le=20)
    """Reviews an application needs before it can be ranked."""
    conflict_of_interest: bool = True
    """A reviewer does not review clusters of their own country (as ``committee`` gives it)."""
    committee: list[CommitteeMember] = Field(default_factory=list, max_length=200)
    """Who reviews this edition: a staff token's subject (``academy-token --subject``) that is
    not listed here reviews nothing, whatever its role."""

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for label, names in (
            ("criterion", [c.name for c in self.criteria]),
            ("committee member", [m.subject for m in self.committee]),
        ):
            repeated = sorted(name for name, n in Counter(names).items() if n > 1)
            if repeated:
                raise ValueError(f"each {label} appears once; repeated: {', '.join(repeated)}")
        return self

    def on_committee(self, reviewer: str) -> bool:
        return any(m.subject == reviewer for m in self.committee)

    def conflicted(self, reviewer: str, country: Country) -> bool:
        """The country rule: the reviewer's own country, when the policy gives it."""
        if not self.conflict_of_interest:
            return False
        return any(m.subject == reviewer and m.country == country for m in self.committee)

    def score_errors(self, scores: Mapping[str, int]) -> list[dict[str, object]]:
        """What is wrong with a review's scores, one entry per field, naming allowed values."""
        names = [c.name for c in self.criteria]
        errors: list[dict[str, object]] = [
            {"field": f"scores.{name}", "message": "not a criterion", "allowed": names}
            for name in sorted(set(scores) - set(names))
        ]
        for criterion in self.criteria:
            field = f"scores.{criterion.name}"
            allowed = list(range(criterion.scale_min, criterion.scale_max + 1))
            if criterion.name not in scores:
                errors.append({"field": field, "message": "missing", "allowed": allowed})
            elif scores[criterion.name] not in allowed:
                message = f"outside the scale {criterion.scale_min}-{criterion.scale_max}"
                errors.append({"field": field, "message": message, "allowed": allowed})
        return errors

    def score(self, scores: Mapping[str, int]) -> Decimal:
        """The weighted score, 0-100, of valid ``scores``."""
        total = sum((c.weight for c in self.criteria), Decimal(0))
        weighted = sum(
            (
                c.weight * (scores[c.name] - c.scale_min) / (c.scale_max - c.scale_min)
                for c in self.criteria
            ),
            Decimal(0),
        )
        return (Decimal(100) * weighted / total).quantize(CENT, ROUND_HALF_EVEN)


class Review(BaseModel):
    """One committee member's review of one application; they may revise it until the
    selection is published."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    edition_id: str
    reviewer: str
    scores: dict[str, int]
    score: Decimal
    comment: str | None = None
    submitted_at: UtcDateTime


def mean_score(reviews: Iterable[Review]) -> Decimal | None:
    scores = [review.score for review in reviews]
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(CENT, ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Reviewable:
    """What progress needs to know of an eligible application."""

    application_id: str
    country: Country


@dataclass(frozen=True)
class ReviewerProgress:
    reviewer: str
    reviewed: int
    to_review: int
    """Eligible applications this reviewer may review (their conflicts left out)."""

    @computed_field  # type: ignore[prop-decorator]  # mypy: no decorator above @property
    @property
    def remaining(self) -> int:
        return max(0, self.to_review - self.reviewed)


def progress(
    policy: ReviewPolicy,
    applications: Collection[Reviewable],
    reviews: Iterable[Review],
    declared: Declared,
) -> list[ReviewerProgress]:
    """Each reviewer's progress over the eligible applications: the committee as the policy
    lists it, and anyone else who has reviewed. Reviews a declared conflict voids are not
    counted, and conflicted applications are not to be reviewed."""
    eligible = {a.application_id for a in applications}
    done: Counter[str] = Counter(
        r.reviewer for r in counted(reviews, declared) if r.application_id in eligible
    )
    reviewers = sorted({m.subject for m in policy.committee} | set(done))
    return [
        ReviewerProgress(
            reviewer=reviewer,
            reviewed=done[reviewer],
            to_review=sum(
                not policy.conflicted(reviewer, a.country)
                and (a.application_id, reviewer) not in declared
                for a in applications
            ),
        )
        for reviewer in reviewers
    ]


class ConflictSource(StrEnum):
    RECUSAL = "recusal"
    """The reviewer declared it: they recused themselves from the application."""
    ADMIN = "admin"
    """An admin recorded it for the reviewer."""


class Conflict(BaseModel):
    """A declared conflict of interest between one reviewer and one application (its cluster):
    the reviewer does not review it, and a review they gave before no longer counts."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    edition_id: str
    reviewer: ShortText
    source: ConflictSource
    declared_by: str
    reason: str | None = None
    declared_at: UtcDateTime


Declared = Collection[tuple[str, str]]
"""The declared conflicts as (application id, reviewer) pairs."""


def declared(conflicts: Iterable[Conflict]) -> frozenset[tuple[str, str]]:
    return frozenset((c.application_id, c.reviewer) for c in conflicts)


def counted(reviews: Iterable[Review], conflicts: Declared) -> list[Review]:
    """The reviews that count toward a score: those under a declared conflict do not."""
    return [r for r in reviews if (r.application_id, r.reviewer) not in conflicts]


def change_policy(current: ReviewPolicy, wanted: ReviewPolicy, reviewed: bool) -> ReviewPolicy:
    """Reviews already given were scored on the current criteria, so the criteria are fixed
    from the first review on; the rest of the policy may still change."""
    if reviewed and wanted.criteria != current.criteria:
        raise RubricInUse([c.model_dump(mode="json") for c in current.criteria])
    return wanted


def may_take_part(policy: ReviewPolicy, reviewer: str, edition_id: str) -> None:
    """Only the committee the edition's policy lists reviews, recuses or sees a queue: the
    committee role alone opens every edition to anyone holding it."""
    if not policy.on_committee(reviewer):
        raise NotOnCommittee(reviewer, edition_id, [m.subject for m in policy.committee])


def may_review(
    policy: ReviewPolicy,
    application: Application,
    reviewer: str,
    *,
    conflicts: Declared,
    published: bool,
) -> None:
    """Whether ``reviewer`` may review ``application`` now, or the refusal that says why."""
    may_take_part(policy, reviewer, application.edition_id)
    if not application.eligible:
        raise NotReviewable(application)
    if published:
        raise ReviewsClosed(application.edition_id)
    if policy.conflicted(reviewer, application.cluster.country):
        raise CountryConflict(application.cluster.country)
    if (application.application_id, reviewer) in conflicts:
        raise DeclaredConflict(reviewer, application.application_id)


def review(
    policy: ReviewPolicy,
    application: Application,
    reviewer: str,
    scores: Mapping[str, int],
    comment: str | None,
    *,
    conflicts: Declared,
    published: bool,
    now: datetime,
) -> Review:
    """The reviewer's review of the application, scored on the rubric, if they may give it."""
    may_review(policy, application, reviewer, conflicts=conflicts, published=published)
    errors = policy.score_errors(scores)
    if errors:
        raise InvalidScores(errors)
    return Review(
        application_id=application.application_id,
        edition_id=application.edition_id,
        reviewer=reviewer,
        scores=dict(scores),
        score=policy.score(scores),
        comment=comment,
        submitted_at=now,
    )


def recuse(
    policy: ReviewPolicy,
    application: Application,
    reviewer: str,
    reason: str | None,
    *,
    published: bool,
    now: datetime,
) -> Conflict:
    """A committee member declares a conflict with the application themselves."""
    may_take_part(policy, reviewer, application.edition_id)
    return declare_conflict(
        application,
        reviewer,
        ConflictSource.RECUSAL,
        reviewer,
        reason,
        published=published,
        now=now,
    )


def declare_conflict(
    application: Application,
    reviewer: str,
    source: ConflictSource,
    by: str,
    reason: str | None,
    *,
    published: bool,
    now: datetime,
) -> Conflict:
    """A conflict between the reviewer and the application's cluster, declared by ``by`` (the
    reviewer recusing, or an admin), while reviews can still change the selection."""
    if published:
        raise ReviewsClosed(application.edition_id)
    return Conflict(
        application_id=application.application_id,
        edition_id=application.edition_id,
        reviewer=reviewer,
        source=source,
        declared_by=by,
        reason=reason,
        declared_at=now,
    )


def queue(
    policy: ReviewPolicy,
    reviewer: str,
    edition_id: str,
    applications: Iterable[Application],
    conflicts: Declared,
) -> list[Application]:
    """The applications the reviewer may review: eligible, their conflicts left out."""
    may_take_part(policy, reviewer, edition_id)
    return [
        a
        for a in applications
        if a.eligible
        and not policy.conflicted(reviewer, a.cluster.country)
        and (a.application_id, reviewer) not in conflicts
    ]


def visible(reviews: list[Review], viewer: str, *, sees_all: bool) -> list[Review]:
    """Every review of an application, to whom may see them: others' scores are shown to a
    committee member only once they gave their own, so that those scores cannot sway theirs."""
    if not sees_all and all(r.reviewer != viewer for r in reviews):
        raise ReviewFirst()
    return reviews
