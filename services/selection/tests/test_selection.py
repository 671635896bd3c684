"""The selection of the pure domain: drafting from screened and reviewed applications,
publishing, offers given up and promotions, and the balance report (no servers)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from academy_contracts.events import (
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    OfferActor,
    OfferConfirmed,
    RejectionReason,
)
from academy_contracts.values import Country, Sector
from academy_selection.domain import offers
from academy_selection.domain.applications import Application, ApplicationStatus
from academy_selection.domain.balance import BalanceRules, Bounds
from academy_selection.domain.failures import NoOpenOffer, OfferLapsed
from academy_selection.domain.report import balance_report
from academy_selection.domain.reviews import Review, ReviewPolicy
from academy_selection.domain.screening import Eligibility, screen
from academy_selection.domain.selection import DecisionStatus, Selection, draft, publish

POLICY = ReviewPolicy(min_reviews=2)
WEEK = timedelta(days=7)


def _screened(events: Any, country: Country, sector: Sector, **content: Any) -> Application:
    application = Application.from_event(
        events.submitted(country=country, sector=sector, **content)
    )
    return application.model_copy(
        update={"screening": screen(application, Eligibility(events.deadline), events.deadline)}
    )


def _reviews(application: Application, *scores: str) -> list[Review]:
    return [
        Review(
            application_id=application.application_id,
            edition_id=application.edition_id,
            reviewer=f"reviewer-{n}",
            scores={},
            score=Decimal(score),
            submitted_at=application.changed_at,
        )
        for n, score in enumerate(scores)
    ]


class Edition:
    """Four eligible clusters (two Tunisian), one ineligible, one short of reviews."""

    def __init__(self, events: Any) -> None:
        self.deadline = events.deadline
        self.now = events.deadline + timedelta(days=1)
        self.tn_best = _screened(events, Country.TUNISIA, Sector.HEALTH)
        self.eg = _screened(events, Country.EGYPT, Sector.ENERGY_ENVIRONMENT)
        self.tn_next = _screened(events, Country.TUNISIA, Sector.MARITIME_LOGISTICS)
        self.ma = _screened(events, Country.MOROCCO, Sector.HEALTH)
        self.ineligible = _screened(events, Country.JORDAN, Sector.HEALTH, can_advance_costs=False)
        self.unreviewed = _screened(events, Country.LEBANON, Sector.HEALTH)
        self.applications = [
            self.tn_best,
            self.eg,
            self.tn_next,
            self.ma,
            self.ineligible,
            self.unreviewed,
        ]
        self.reviews = [
            *_reviews(self.tn_best, "90", "80"),
            *_reviews(self.eg, "70", "70"),
            *_reviews(self.tn_next, "80", "80"),
            *_reviews(self.ma, "40", "50"),
            *_reviews(self.unreviewed, "99"),
        ]
        self.rules = BalanceRules(2, {Country.TUNISIA: Bounds(0, 1)})

    def published(self) -> tuple[Selection, list[Any]]:
        """Published without the application short of reviews (it would stop publication)."""
        ranked = [a for a in self.applications if a is not self.unreviewed]
        proposal = draft(ranked, self.reviews, POLICY, self.rules, self.now)
        return publish(
            proposal,
            edition_id="ed",
            by="admin",
            offer_period=WEEK,
            registration_deadline=self.deadline,
            accept_relaxations=False,
            now=self.now,
        )


def _status(selection: Selection, application_id: str) -> DecisionStatus:
    decision = selection.decision(application_id)
    assert decision is not None
    return decision.status


@pytest.fixture
def edition(events: Any) -> Edition:
    return Edition(events)


def test_the_draft_ranks_the_reviewed_eligible_clusters_under_the_rules(edition: Edition) -> None:
    proposal = draft(edition.applications, edition.reviews, POLICY, edition.rules, edition.now)
    selected = proposal.of_status(DecisionStatus.OFFERED)
    waitlist = proposal.of_status(DecisionStatus.WAITLISTED)
    [rejected] = proposal.of_status(DecisionStatus.REJECTED)
    # The second Tunisian outranks the Egyptian, but Tunisia may have one place only.
    assert [d.application_id for d in selected] == [
        edition.tn_best.application_id,
        edition.eg.application_id,
    ]
    assert [(d.application_id, d.waitlist_rank) for d in waitlist] == [
        (edition.tn_next.application_id, 1),
        (edition.ma.application_id, 2),
    ]
    assert waitlist[0].explanation.binding_rules == ["country_max:TN"]
    assert waitlist[0].explanation.score == Decimal("80.00")
    assert selected[0].explanation.rank == 1
    assert rejected.application_id == edition.ineligible.application_id
    assert rejected.rejection is RejectionReason.NOT_ELIGIBLE
    assert rejected.explanation.summary == "Not eligible: cannot_advance_costs"
    [short] = proposal.unranked
    assert (short.application_id, short.reviews, short.needed) == (
        edition.unreviewed.application_id,
        1,
        2,
    )


def test_withdrawn_and_unscreened_applications_take_no_part(edition: Edition) -> None:
    withdrawn = edition.ma.model_copy(update={"status": ApplicationStatus.WITHDRAWN})
    unscreened = edition.eg.model_copy(update={"screening": None})
    proposal = draft(
        [edition.tn_best, withdrawn, unscreened],
        edition.reviews,
        POLICY,
        edition.rules,
        edition.now,
    )
    assert [d.application_id for d in proposal.decisions] == [edition.tn_best.application_id]


def test_publishing_tells_every_cluster_its_decision(edition: Edition) -> None:
    selection, events = edition.published()
    by_type: dict[type, list[Any]] = {}
    for event in events:
        by_type.setdefault(type(event), []).append(event)
    assert [e.application_id for e in by_type[ClusterSelected]] == [
        edition.tn_best.application_id,
        edition.eg.application_id,
    ]
    assert all(e.offer_deadline == edition.now + WEEK for e in by_type[ClusterSelected])
    assert [e.waitlist_rank for e in by_type[ClusterWaitlisted]] == [1, 2]
    [rejected] = by_type[ClusterRejected]
    assert rejected.reason is RejectionReason.NOT_ELIGIBLE
    assert selection.next_offer_deadline == edition.now + WEEK
    assert selection.capacity == 2


def test_confirming_is_once_and_only_before_the_deadline(edition: Edition) -> None:
    selection, _ = edition.published()
    first = edition.tn_best.application_id
    done = offers.confirm(selection, first, OfferActor.APPLICANT, edition.now)
    [event] = done.events
    assert isinstance(event, OfferConfirmed)
    assert event.confirmed_by is OfferActor.APPLICANT
    assert _status(done.selection, first) is DecisionStatus.CONFIRMED
    again = offers.confirm(done.selection, first, OfferActor.STAFF, edition.now)
    assert again.selection == done.selection
    assert again.events == []
    with pytest.raises(OfferLapsed) as late:
        offers.confirm(selection, first, OfferActor.APPLICANT, edition.now + WEEK * 2)
    assert late.value.deadline == edition.now + WEEK
    with pytest.raises(NoOpenOffer) as waiting:
        offers.confirm(selection, edition.tn_next.application_id, OfferActor.STAFF, edition.now)
    assert waiting.value.status == DecisionStatus.WAITLISTED


def test_a_declined_place_goes_to_the_best_waitlisted_cluster_that_keeps_the_rules(
    edition: Edition,
) -> None:
    selection, _ = edition.published()
    because = "Our board changed; we will apply next year."
    declined = offers.decline(selection, edition.eg.application_id, edition.now, because)
    assert offers.decision_of(declined.selection, edition.eg.application_id).declined_because == (
        because
    )
    rejected, promoted = declined.events
    assert isinstance(rejected, ClusterRejected)
    assert rejected.reason is RejectionReason.OFFER_DECLINED
    # The Tunisian first on the waitlist would break country_max:TN; Morocco's is next.
    assert isinstance(promoted, ClusterSelected)
    assert promoted.application_id == edition.ma.application_id
    assert promoted.offer_deadline == edition.now + WEEK
    assert promoted.explanation is not None
    assert promoted.explanation.summary is not None
    assert promoted.explanation.summary.startswith("Promoted from waitlist place 2")
    assert offers.decline(declined.selection, edition.eg.application_id, edition.now).events == []


def test_lapsed_offers_are_rejected_and_their_places_refilled(edition: Edition) -> None:
    selection, _ = edition.published()
    confirmed = offers.confirm(
        selection, edition.tn_best.application_id, OfferActor.STAFF, edition.now
    ).selection
    assert offers.lapse(confirmed, edition.now + WEEK).events == []  # at the deadline: open
    later = edition.now + WEEK + timedelta(seconds=1)
    lapsed = offers.lapse(confirmed, later)
    rejected, promoted = lapsed.events
    assert isinstance(rejected, ClusterRejected)
    assert (rejected.application_id, rejected.reason) == (
        edition.eg.application_id,
        RejectionReason.OFFER_LAPSED,
    )
    assert isinstance(promoted, ClusterSelected)
    assert promoted.offer_deadline == later + WEEK
    assert lapsed.selection.next_offer_deadline == later + WEEK


def test_withdrawing_frees_a_held_place_and_quietly_leaves_the_waitlist(edition: Edition) -> None:
    selection, _ = edition.published()
    left = offers.withdraw(selection, edition.ma.application_id, edition.now)
    assert left.events == []
    assert _status(left.selection, edition.ma.application_id) is DecisionStatus.WITHDRAWN
    gone = offers.withdraw(left.selection, edition.eg.application_id, edition.now)
    [rejected] = gone.events  # nobody left who keeps country_max:TN
    assert isinstance(rejected, ClusterRejected)
    assert rejected.reason is RejectionReason.OFFER_DECLINED
    assert offers.withdraw(gone.selection, "unknown", edition.now).events == []


def test_closing_the_waitlist_rejects_who_still_waits_and_stops_promotions(
    edition: Edition,
) -> None:
    selection, _ = edition.published()
    closed = offers.close_waitlist(selection, edition.now)
    rejected = [e for e in closed.events if isinstance(e, ClusterRejected)]
    assert len(rejected) == len(closed.events)
    assert [(e.application_id, e.reason) for e in rejected] == [
        (edition.tn_next.application_id, RejectionReason.NOT_SELECTED),
        (edition.ma.application_id, RejectionReason.NOT_SELECTED),
    ]
    assert offers.close_waitlist(closed.selection, edition.now).events == []
    declined = offers.decline(closed.selection, edition.eg.application_id, edition.now)
    assert [type(e) for e in declined.events] == [ClusterRejected]


def test_the_report_counts_per_country_and_sector(edition: Edition) -> None:
    selection, _ = edition.published()
    report = balance_report("ed", edition.applications, selection)
    cells = {(c.country, c.sector): c for c in report.cells}
    assert len(cells) == 7 * 4
    tn_health = cells[(Country.TUNISIA, Sector.HEALTH)]
    assert (tn_health.applications, tn_health.eligible, tn_health.selected) == (1, 1, 1)
    assert report.by_country[Country.TUNISIA].model_dump() == {
        "applications": 2,
        "eligible": 2,
        "selected": 1,
        "waitlisted": 1,
    }
    assert report.by_sector[Sector.HEALTH].applications == 4
    assert report.total.model_dump() == {
        "applications": 6,
        "eligible": 5,
        "selected": 2,
        "waitlisted": 2,
    }
