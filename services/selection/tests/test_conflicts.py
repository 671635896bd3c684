"""Who may review an edition's application: only the committee its review policy lists, and not
where a conflict of interest is declared — by the reviewer's recusal or by an admin (issue 13;
no servers)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from academy_contracts.values import Country, Sector
from academy_selection.domain.failures import DeclaredConflict, NotOnCommittee, ReviewsClosed
from academy_selection.domain.reviews import ConflictSource
from services.selection.tests.support.editions import GOOD, RUBRIC, admitted
from services.selection.tests.support.events import Events


async def test_a_reviewer_off_the_editions_committee_reviews_nothing(events: Events) -> None:
    tn = events.submitted()
    fast = await admitted(events, tn)
    with pytest.raises(NotOnCommittee) as refused:
        await fast.reviewing.review(tn.key, "outsider@committee", GOOD, None)
    assert refused.value.committee == [m.subject for m in RUBRIC.committee]
    with pytest.raises(NotOnCommittee):
        await fast.reviewing.queue(events.edition_id, "outsider@committee")
    with pytest.raises(NotOnCommittee):
        await fast.reviewing.recuse(tn.key, "outsider@committee", None)
    assert fast.reviews.stored == {}


async def test_a_recusal_takes_the_application_out_of_the_reviewers_hands(events: Events) -> None:
    tn = events.submitted()
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    fast = await admitted(events, tn, eg)
    await fast.reviewing.review(tn.key, "chloe@committee", GOOD, None)

    conflict, created = await fast.reviewing.recuse(tn.key, "chloe@committee", "My former employer")
    assert created
    assert (conflict.source, conflict.declared_by) == (ConflictSource.RECUSAL, "chloe@committee")
    again, created = await fast.reviewing.recuse(tn.key, "chloe@committee", None)
    assert (again, created) == (conflict, False)

    queue = await fast.reviewing.queue(events.edition_id, "chloe@committee")
    assert [entry.application.application_id for entry in queue] == [eg.key]
    with pytest.raises(DeclaredConflict):
        await fast.reviewing.review(tn.key, "chloe@committee", GOOD, None)
    # The review given before the recusal no longer counts toward the ranking.
    progress = await fast.reviewing.progress(events.edition_id)
    assert {u.application_id: u.reviews for u in progress.awaiting}[tn.key] == 0
    chloe = next(p for p in progress.reviewers if p.reviewer == "chloe@committee")
    assert (chloe.reviewed, chloe.to_review) == (0, 1)
    preview = await fast.publishing.preview(events.edition_id)
    assert {u.application_id for u in preview.unranked} == {tn.key, eg.key}


async def test_an_admin_records_a_conflict_between_a_reviewer_and_a_cluster(
    events: Events,
) -> None:
    tn = events.submitted()
    one = RUBRIC.model_copy(update={"min_reviews": 1})
    fast = await admitted(events, tn, policy=one)
    conflict, created = await fast.reviewing.record_conflict(
        tn.key, "bruno@committee", "admin@test", "Sits on the cluster's board"
    )
    assert created
    assert (conflict.source, conflict.declared_by) == (ConflictSource.ADMIN, "admin@test")
    assert await fast.reviewing.queue(events.edition_id, "bruno@committee") == []
    with pytest.raises(DeclaredConflict):
        await fast.reviewing.review(tn.key, "bruno@committee", GOOD, None)

    await fast.reviewing.review(tn.key, "chloe@committee", GOOD, None)
    await fast.publishing.publish(
        events.edition_id, "admin@test", offer_period=timedelta(days=7), accept_relaxations=False
    )
    with pytest.raises(ReviewsClosed):
        await fast.reviewing.record_conflict(tn.key, "chloe@committee", "admin@test", None)
