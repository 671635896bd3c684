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
    InvalidScores,
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
    policy: ReviewPolicy, applications: Collection[Reviewable], reviews: Iterable[Review]
) -> list[ReviewerProgress]:
    """Each reviewer's progress over the eligible applications: the committee as the policy
    lists it, and anyone else who has reviewed."""
    eligible = {a.application_id for a in applications}
    done: Counter[str] = Counter(r.reviewer for r in reviews if r.application_id in eligible)
    reviewers = sorted({m.subject for m in policy.committee} | set(done))
    return [
        ReviewerProgress(
            reviewer=reviewer,
            reviewed=done[reviewer],
            to_review=sum(not policy.conflicted(reviewer, a.country) for a in applications),
        )
        for reviewer in reviewers
    ]


def change_policy(current: ReviewPolicy, wanted: ReviewPolicy, reviewed: bool) -> ReviewPolicy:
    """Reviews already given were scored on the current criteria, so the criteria are fixed
    from the first review on; the rest of the policy may still change."""
    if reviewed and wanted.criteria != current.criteria:
        raise RubricInUse([c.model_dump(mode="json") for c in current.criteria])
    return wanted


def may_review(
    policy: ReviewPolicy, application: Application, reviewer: str, *, published: bool
) -> None:
    """Whether ``reviewer`` may review ``application`` now, or the refusal that says why."""
    if not application.eligible:
        raise NotReviewable(application)
    if published:
        raise ReviewsClosed(application.edition_id)
    if policy.conflicted(reviewer, application.cluster.country):
        raise CountryConflict(application.cluster.country)


def review(
    policy: ReviewPolicy,
    application: Application,
    reviewer: str,
    scores: Mapping[str, int],
    comment: str | None,
    *,
    published: bool,
    now: datetime,
) -> Review:
    """The reviewer's review of the application, scored on the rubric, if they may give it."""
    may_review(policy, application, reviewer, published=published)
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


def queue(
    policy: ReviewPolicy, reviewer: str, applications: Iterable[Application]
) -> list[Application]:
    """The applications the reviewer may review: eligible, their conflicts left out."""
    return [
        a for a in applications if a.eligible and not policy.conflicted(reviewer, a.cluster.country)
    ]


def visible(reviews: list[Review], viewer: str, *, sees_all: bool) -> list[Review]:
    """Every review of an application, to whom may see them: others' scores are shown to a
    committee member only once they gave their own, so that those scores cannot sway theirs."""
    if not sees_all and all(r.reviewer != viewer for r in reviews):
        raise ReviewFirst()
    return reviews
