"""Publishing and offers through the handlers on in-memory stores: when a selection may be
published, that it is published once, and offers answered through the published selection
(no servers)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationSubmitted,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    OfferActor,
    OfferConfirmed,
)
from academy_contracts.values import Country, Sector
from academy_selection.domain.failures import (
    NoPlaceToDecline,
    NotInSelection,
    NotPublished,
    RegistrationOpen,
    ReviewsMissing,
    RulesConflict,
    UnknownEdition,
)
from academy_selection.domain.selection import BalancePolicy, Bound, DecisionStatus
from services.selection.tests.support.editions import GOOD, RUBRIC, admitted
from services.selection.tests.support.events import Events

ONE_REVIEW = RUBRIC.model_copy(update={"min_reviews": 1})
WEEK = timedelta(days=7)


async def test_nothing_is_published_before_the_registration_deadline(events: Events) -> None:
    still_open = dataclasses.replace(events, deadline=datetime.now(UTC) + timedelta(days=1))
    fast = await admitted(still_open, policy=ONE_REVIEW)
    with pytest.raises(RegistrationOpen) as refused:
        await fast.publishing.publish(
            still_open.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
        )
    assert refused.value.deadline == still_open.deadline
    assert fast.outbox.envelopes == []


async def test_applications_short_of_reviews_stop_the_publication(events: Events) -> None:
    tn = events.submitted()
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    fast = await admitted(events, tn, eg)
    await fast.reviewing.review(tn.key, "bruno@committee", GOOD, None)
    await fast.reviewing.review(tn.key, "chloe@committee", GOOD, None)
    preview = await fast.publishing.preview(events.edition_id)
    assert [u.application_id for u in preview.unranked] == [eg.key]
    with pytest.raises(ReviewsMissing) as refused:
        await fast.publishing.publish(
            events.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
        )
    assert [vars(u)["application_id"] for u in refused.value.unranked] == [eg.key]
    assert await fast.selections.get(events.edition_id) is None


async def test_rules_that_cannot_hold_publish_only_when_the_relaxation_is_accepted(
    events: Events,
) -> None:
    tn = events.submitted()
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    fast = await admitted(events, tn, eg, policy=ONE_REVIEW)
    for application in (tn, eg):
        await fast.reviewing.review(application.key, "chloe@committee", GOOD, None)
    wanted = BalancePolicy(countries={Country.TUNISIA: Bound(minimum=2)})
    assert (await fast.publishing.set_balance(events.edition_id, wanted)).countries[
        Country.TUNISIA
    ] == Bound(minimum=2)

    with pytest.raises(RulesConflict) as refused:
        await fast.publishing.publish(
            events.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
        )
    assert refused.value.conflicts
    assert {r.rule for r in refused.value.relaxations} == {"country_min:TN"}
    selection, created = await fast.publishing.publish(
        events.edition_id, "admin", offer_period=WEEK, accept_relaxations=True
    )
    assert created
    assert selection.rules.countries[Country.TUNISIA].minimum == 1


async def test_a_selection_is_published_once_and_tells_each_cluster_once(events: Events) -> None:
    best = events.submitted()
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    ma = events.submitted(country=Country.MOROCCO, sector=Sector.MARITIME_LOGISTICS)
    fast = await admitted(events, best, eg, ma, capacity=1, policy=ONE_REVIEW)
    for application, mark in ((best, 5), (eg, 4), (ma, 3)):
        scores = {"motivations": mark, "expectations": mark}
        await fast.reviewing.review(application.key, "chloe@committee", scores, None)
    with pytest.raises(NotPublished):
        await fast.publishing.selection(events.edition_id)
    fast.outbox.envelopes.clear()

    first, created = await fast.publishing.publish(
        events.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
    )
    again, created_again = await fast.publishing.publish(
        events.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
    )
    assert (created, created_again, again) == (True, False, first)
    assert [(type(e), e.key) for e in fast.outbox.events()] == [
        (ClusterSelected, best.key),
        (ClusterWaitlisted, eg.key),
        (ClusterWaitlisted, ma.key),
    ]
    report = await fast.publishing.report(events.edition_id)
    assert (report.total.selected, report.total.waitlisted) == (1, 2)


async def test_offers_are_answered_through_the_published_selection(events: Events) -> None:
    first = events.submitted()
    second = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    late = events.submitted(country=Country.MOROCCO, late=True)
    fast = await admitted(events, first, second, late, capacity=1, policy=ONE_REVIEW)
    with pytest.raises(NotPublished):
        await fast.offers.confirm(first.key, OfferActor.APPLICANT)
    for application, mark in ((first, 5), (second, 4)):
        scores = {"motivations": mark, "expectations": mark}
        await fast.reviewing.review(application.key, "chloe@committee", scores, None)
    await fast.publishing.publish(
        events.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
    )
    fast.outbox.envelopes.clear()

    confirmed = await fast.offers.confirm(first.key, OfferActor.APPLICANT)
    assert confirmed.status is DecisionStatus.CONFIRMED
    with pytest.raises(NoPlaceToDecline):
        await fast.offers.decline(late.key)  # rejected as not eligible
    declined = await fast.offers.decline(first.key)
    assert declined.status is DecisionStatus.DECLINED
    assert (await fast.offers.decision(second.key)).status is DecisionStatus.OFFERED
    assert [(type(e), e.key) for e in fast.outbox.events()] == [
        (OfferConfirmed, first.key),
        (ClusterRejected, first.key),
        (ClusterSelected, second.key),
    ]
    with pytest.raises(UnknownEdition):
        await fast.offers.close_waitlist("ed-unknown")


async def test_an_application_outside_the_selection_has_no_offer(events: Events) -> None:
    reviewed = events.submitted()
    fast = await admitted(events, reviewed, policy=ONE_REVIEW)
    await fast.reviewing.review(reviewed.key, "chloe@committee", GOOD, None)
    await fast.publishing.publish(
        events.edition_id, "admin", offer_period=WEEK, accept_relaxations=False
    )
    arrived_after = events.submitted()
    await fast.screener.record_application(_envelope(arrived_after))
    with pytest.raises(NotInSelection):
        await fast.offers.decision(arrived_after.key)


def _envelope(event: ApplicationSubmitted) -> Envelope[ApplicationSubmitted]:
    return Envelope(event, "registration-test")
