"""Reviewing through the handlers on in-memory stores: the rubric, the country conflict rule,
who may see others' reviews, progress and the fixed criteria (no servers)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from academy_contracts.values import Country, Sector
from academy_selection.domain.failures import (
    CountryConflict,
    InvalidScores,
    NotReviewable,
    ReviewFirst,
    ReviewsClosed,
    RubricInUse,
    UnknownApplication,
    UnknownEdition,
)
from academy_selection.domain.reviews import Criterion
from services.selection.tests.support.editions import GOOD, RUBRIC, admitted
from services.selection.tests.support.events import Events


async def test_a_review_marks_every_criterion_within_its_scale(events: Events) -> None:
    tn = events.submitted()
    fast = await admitted(events, tn)
    with pytest.raises(InvalidScores) as refused:
        await fast.reviewing.review(tn.key, "bruno@committee", {"motivations": 6, "x": 3}, None)
    assert {e["field"]: e["allowed"] for e in refused.value.errors} == {
        "scores.x": ["motivations", "expectations"],
        "scores.motivations": [1, 2, 3, 4, 5],
        "scores.expectations": list(range(11)),
    }

    review, created = await fast.reviewing.review(tn.key, "bruno@committee", GOOD, "Clear.")
    assert (review.score, created) == (Decimal("66.67"), True)
    full = {"motivations": 5, "expectations": 10}
    revised, created = await fast.reviewing.review(tn.key, "bruno@committee", full, None)
    assert (revised.score, created) == (Decimal("100.00"), False)
    assert len(fast.reviews.stored) == 1


async def test_reviewers_neither_see_nor_review_clusters_of_their_own_country(
    events: Events,
) -> None:
    tn = events.submitted(country=Country.TUNISIA)
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    fast = await admitted(events, tn, eg)
    queue = await fast.reviewing.queue(events.edition_id, "amal@committee")
    assert [entry.application.application_id for entry in queue] == [eg.key]
    with pytest.raises(CountryConflict):
        await fast.reviewing.review(tn.key, "amal@committee", GOOD, None)

    off = RUBRIC.model_copy(update={"conflict_of_interest": False})
    await fast.reviewing.set_review_policy(events.edition_id, off)
    review, _ = await fast.reviewing.review(tn.key, "amal@committee", GOOD, None)
    assert review.reviewer == "amal@committee"


async def test_only_eligible_applications_of_an_unpublished_selection_are_reviewed(
    events: Events,
) -> None:
    ineligible = events.submitted(can_advance_costs=False)
    fine = events.submitted(country=Country.EGYPT)
    fast = await admitted(events, ineligible, fine)
    with pytest.raises(NotReviewable) as refused:
        await fast.reviewing.review(ineligible.key, "chloe@committee", GOOD, None)
    assert refused.value.application.application_id == ineligible.key
    with pytest.raises(UnknownApplication):
        await fast.reviewing.review("app-unknown", "chloe@committee", GOOD, None)
    with pytest.raises(UnknownEdition):
        await fast.reviewing.queue("ed-unknown", "chloe@committee")

    one = RUBRIC.model_copy(update={"min_reviews": 1})
    await fast.reviewing.set_review_policy(events.edition_id, one)
    await fast.reviewing.review(fine.key, "chloe@committee", GOOD, None)
    await fast.publishing.publish(
        events.edition_id, "admin", offer_period=timedelta(days=7), accept_relaxations=True
    )
    with pytest.raises(ReviewsClosed):
        await fast.reviewing.review(fine.key, "chloe@committee", GOOD, None)


async def test_others_reviews_are_shown_once_ones_own_is_in(events: Events) -> None:
    tn = events.submitted()
    fast = await admitted(events, tn)
    await fast.reviewing.review(tn.key, "bruno@committee", GOOD, None)
    with pytest.raises(ReviewFirst):
        await fast.reviewing.reviews_of(tn.key, "chloe@committee", sees_all=False)
    admin_sees = await fast.reviewing.reviews_of(tn.key, "admin@test", sees_all=True)
    assert [r.reviewer for r in admin_sees] == ["bruno@committee"]
    await fast.reviewing.review(tn.key, "chloe@committee", GOOD, None)
    seen = await fast.reviewing.reviews_of(tn.key, "chloe@committee", sees_all=False)
    assert sorted(r.reviewer for r in seen) == ["bruno@committee", "chloe@committee"]


async def test_progress_counts_what_each_reviewer_may_and_did_review(events: Events) -> None:
    tn = events.submitted(country=Country.TUNISIA)
    tn_other = events.submitted(country=Country.TUNISIA, sector=Sector.MARITIME_LOGISTICS)
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    ineligible = events.submitted(country=Country.JORDAN, can_advance_costs=False)
    fast = await admitted(events, tn, tn_other, eg, ineligible)
    for reviewer in ("bruno@committee", "chloe@committee"):
        await fast.reviewing.review(tn.key, reviewer, GOOD, None)

    found = await fast.reviewing.progress(events.edition_id)
    assert {(p.reviewer, p.reviewed, p.to_review) for p in found.reviewers} == {
        ("amal@committee", 0, 1),
        ("bruno@committee", 1, 2),  # not the Egyptian cluster
        ("chloe@committee", 1, 3),
    }
    assert {u.application_id for u in found.awaiting} == {tn_other.key, eg.key}
    assert found.min_reviews == 2


async def test_the_criteria_are_fixed_once_reviews_exist(events: Events) -> None:
    tn = events.submitted()
    fast = await admitted(events, tn)
    fewer_criteria = RUBRIC.model_copy(update={"criteria": [Criterion(name="motivations")]})
    assert await fast.reviewing.set_review_policy(events.edition_id, fewer_criteria)
    await fast.reviewing.set_review_policy(events.edition_id, RUBRIC)
    await fast.reviewing.review(tn.key, "bruno@committee", GOOD, None)
    with pytest.raises(RubricInUse) as refused:
        await fast.reviewing.set_review_policy(events.edition_id, fewer_criteria)
    assert [c["name"] for c in refused.value.criteria] == ["motivations", "expectations"]
    one = RUBRIC.model_copy(update={"min_reviews": 1})
    assert (await fast.reviewing.set_review_policy(events.edition_id, one)).min_reviews == 1
