"""Offers: a selected cluster confirms its place before its deadline, or gives it up by
declining, withdrawing or letting the offer lapse; a place given up goes to the best waitlisted
cluster that keeps the balance rules.

Each function returns the whole new selection and the events of the change, which the handler
writes together. A change that is already done (a second confirmation) returns the selection
unchanged and no events, so retries are harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from academy_contracts.events import (
    IntegrationEvent,
    OfferActor,
    OfferConfirmed,
    RejectionReason,
)
from academy_selection.domain.balance import best_replacement
from academy_selection.domain.failures import (
    NoOpenOffer,
    NoPlaceToDecline,
    NotInSelection,
    OfferLapsed,
)
from academy_selection.domain.selection import (
    HOLDING,
    Decision,
    DecisionStatus,
    Selection,
    announcement,
)


@dataclass(frozen=True)
class Transition:
    selection: Selection
    events: list[IntegrationEvent] = field(default_factory=list)


def decision_of(selection: Selection, application_id: str) -> Decision:
    """The application's decision in the selection; it has none when it was not screened or
    reviewed in time."""
    decision = selection.decision(application_id)
    if decision is None:
        raise NotInSelection(application_id)
    return decision


def confirm(selection: Selection, application_id: str, by: OfferActor, now: datetime) -> Transition:
    decision = decision_of(selection, application_id)
    if decision.status is DecisionStatus.CONFIRMED:
        return Transition(selection)
    if decision.status is not DecisionStatus.OFFERED:
        raise NoOpenOffer(application_id, decision.status)
    if decision.offer_deadline is not None and now > decision.offer_deadline:
        raise OfferLapsed(application_id, decision.status, decision.offer_deadline)
    confirmed = decision.model_copy(update={"status": DecisionStatus.CONFIRMED, "decided_at": now})
    event = OfferConfirmed(
        application_id=application_id,
        edition_id=selection.edition_id,
        confirmed_at=now,
        confirmed_by=by,
    )
    return Transition(_with(selection, [confirmed]), [event])


def decline(
    selection: Selection, application_id: str, now: datetime, because: str | None = None
) -> Transition:
    """The cluster gives up its place (an offer or a confirmed one), saying why if it wishes."""
    decision = decision_of(selection, application_id)
    if decision.status is DecisionStatus.DECLINED:
        return Transition(selection)
    if decision.status not in HOLDING:
        raise NoPlaceToDecline(application_id, decision.status)
    gone = _released(
        decision, DecisionStatus.DECLINED, RejectionReason.OFFER_DECLINED, "Declined", now
    ).model_copy(update={"declined_because": because})
    return _refill(selection, [gone], now)


def withdraw(selection: Selection, application_id: str, now: datetime) -> Transition:
    """The applicant withdrew: a place held is released like a declined one (the contract
    has no separate reason), a waitlist place is simply vacated."""
    decision = selection.decision(application_id)
    if decision is None:
        return Transition(selection)
    if decision.status is DecisionStatus.WAITLISTED:
        gone = decision.model_copy(update={"status": DecisionStatus.WITHDRAWN, "decided_at": now})
        return Transition(_with(selection, [gone]))
    if decision.status not in HOLDING:
        return Transition(selection)
    gone = _released(
        decision,
        DecisionStatus.WITHDRAWN,
        RejectionReason.OFFER_DECLINED,
        "Withdrawn by the applicant",
        now,
    )
    return _refill(selection, [gone], now)


def lapse(selection: Selection, now: datetime) -> Transition:
    """Every open offer past its deadline lapses, and the places go down the waitlist."""
    lapsed = [
        _released(d, DecisionStatus.LAPSED, RejectionReason.OFFER_LAPSED, "Offer lapsed", now)
        for d in selection.decisions
        if d.status is DecisionStatus.OFFERED
        and d.offer_deadline is not None
        and now > d.offer_deadline
    ]
    if not lapsed:
        return Transition(selection)
    return _refill(selection, lapsed, now)


def close_waitlist(selection: Selection, now: datetime) -> Transition:
    """No more promotions: every cluster still waiting is told it has no place."""
    if selection.closed:
        return Transition(selection)
    rejected = [
        d.model_copy(
            update={
                "status": DecisionStatus.REJECTED,
                "rejection": RejectionReason.NOT_SELECTED,
                "decided_at": now,
                "explanation": d.explanation.model_copy(
                    update={"summary": f"The waitlist closed. {d.explanation.summary}"}
                ),
            }
        )
        for d in selection.decisions
        if d.status is DecisionStatus.WAITLISTED
    ]
    closed = _with(selection, rejected).model_copy(update={"closed": True})
    return Transition(closed, [announcement(selection.edition_id, d) for d in rejected])


def _released(
    decision: Decision,
    status: DecisionStatus,
    reason: RejectionReason,
    why: str,
    now: datetime,
) -> Decision:
    summary = f"{why}; the place is offered down the waitlist. {decision.explanation.summary or ''}"
    return decision.model_copy(
        update={
            "status": status,
            "rejection": reason,
            "decided_at": now,
            "explanation": decision.explanation.model_copy(update={"summary": summary.strip()}),
        }
    )


def _refill(selection: Selection, released: list[Decision], now: datetime) -> Transition:
    """Release the places, then offer free places down the waitlist, one at a time, each to
    the best waitlisted cluster that keeps the rules, while the waitlist is open."""
    current = _with(selection, released)
    events = [announcement(selection.edition_id, d) for d in released]
    rules = selection.balance_rules
    while not current.closed:
        holding = [d.candidate for d in current.decisions if d.status in HOLDING]
        if len(holding) >= rules.capacity:
            break
        waiting = [d.candidate for d in current.decisions if d.status is DecisionStatus.WAITLISTED]
        chosen = best_replacement(holding, waiting, rules)
        if chosen is None:
            break
        promoted = _promoted(current, chosen.application_id, now)
        current = _with(current, [promoted])
        events.append(announcement(selection.edition_id, promoted))
    return Transition(current, events)


def _promoted(selection: Selection, application_id: str, now: datetime) -> Decision:
    decision = decision_of(selection, application_id)
    summary = (
        f"Promoted from waitlist place {decision.waitlist_rank} when a place was given up. "
        f"{decision.explanation.summary or ''}"
    )
    return decision.model_copy(
        update={
            "status": DecisionStatus.OFFERED,
            "decided_at": now,
            "offer_deadline": now + selection.offer_period,
            "explanation": decision.explanation.model_copy(update={"summary": summary.strip()}),
        }
    )


def _with(selection: Selection, changed: list[Decision]) -> Selection:
    by_id = {d.application_id: d for d in changed}
    return selection.model_copy(
        update={"decisions": [by_id.get(d.application_id, d) for d in selection.decisions]}
    )
