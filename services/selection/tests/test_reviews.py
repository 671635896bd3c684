"""Review rules of the pure domain: the rubric, scores, conflicts of interest and progress."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from academy_contracts.values import Country
from academy_selection.domain.reviews import (
    Review,
    Reviewable,
    ReviewPolicy,
    mean_score,
    progress,
)
from services.selection.tests.support.editions import RUBRIC as POLICY


def _review(application_id: str, reviewer: str, score: str) -> Review:
    return Review(
        application_id=application_id,
        edition_id="ed",
        reviewer=reviewer,
        scores={},
        score=Decimal(score),
        submitted_at=datetime(2023, 10, 20, tzinfo=UTC),
    )


def test_scores_must_mark_every_criterion_within_its_scale() -> None:
    assert POLICY.score_errors({"motivations": 5, "expectations": 0}) == []
    errors = POLICY.score_errors({"motivations": 6, "originality": 3})
    assert errors == [
        {
            "field": "scores.originality",
            "message": "not a criterion",
            "allowed": ["motivations", "expectations"],
        },
        {
            "field": "scores.motivations",
            "message": "outside the scale 1-5",
            "allowed": [1, 2, 3, 4, 5],
        },
        {"field": "scores.expectations", "message": "missing", "allowed": list(range(11))},
    ]


def test_the_score_weighs_criteria_on_a_common_0_to_100_scale() -> None:
    assert POLICY.score({"motivations": 5, "expectations": 10}) == Decimal("100.00")
    assert POLICY.score({"motivations": 1, "expectations": 0}) == Decimal("0.00")
    # (2 x 3/4 + 1 x 5/10) / 3 = 2/3
    assert POLICY.score({"motivations": 4, "expectations": 5}) == Decimal("66.67")


def test_an_application_scores_the_mean_of_its_reviews() -> None:
    reviews = [_review("a", "x", "66.67"), _review("a", "y", "80.00"), _review("a", "z", "70")]
    assert mean_score(reviews) == Decimal("72.22")
    assert mean_score([]) is None


def test_the_conflict_rule_reads_the_reviewers_country_and_can_be_off() -> None:
    assert POLICY.conflicted("amal@committee", Country.TUNISIA)
    assert not POLICY.conflicted("amal@committee", Country.EGYPT)
    assert not POLICY.conflicted("chloe@committee", Country.TUNISIA)  # no country given
    off = POLICY.model_copy(update={"conflict_of_interest": False})
    assert not off.conflicted("amal@committee", Country.TUNISIA)


def test_progress_counts_what_each_reviewer_may_and_did_review() -> None:
    eligible = [
        Reviewable("tn-1", Country.TUNISIA),
        Reviewable("tn-2", Country.TUNISIA),
        Reviewable("eg-1", Country.EGYPT),
    ]
    reviews = [
        _review("eg-1", "amal@committee", "50"),
        _review("tn-1", "bruno@committee", "50"),
        _review("tn-1", "chloe@committee", "50"),
        _review("gone", "chloe@committee", "50"),  # no longer eligible: not counted
    ]
    found = {
        p.reviewer: (p.reviewed, p.to_review, p.remaining)
        for p in progress(POLICY, eligible, reviews, frozenset())
    }
    assert found == {
        "amal@committee": (1, 1, 0),
        "bruno@committee": (1, 2, 1),
        "chloe@committee": (1, 3, 2),
    }


@pytest.mark.parametrize(
    "policy",
    [
        {"criteria": [{"name": "a"}, {"name": "a"}]},
        {"criteria": [{"name": "a", "scale_min": 5, "scale_max": 5}]},
        {"criteria": [{"name": "Not A Name"}]},
        {"criteria": []},
        {"committee": [{"subject": "x"}, {"subject": "x"}]},
        {"min_reviews": 0},
    ],
)
def test_a_policy_that_cannot_work_is_refused(policy: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ReviewPolicy.model_validate(policy)
